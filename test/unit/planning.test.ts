import { futureEndProblem, localDateOf, localDayStartUtc, rangeUtc } from '../../src/calendar';
import { CreateSyncRequestBody } from '../../src/contract';

describe('localDateOf', () => {
  it('puts an order at 23:30 local on that local day', () => {
    expect(localDateOf('2026-03-14T23:30:00+08:00', 'Asia/Singapore')).toBe('2026-03-14');
  });

  it('uses the UTC calendar when the timezone is UTC (23:30 +08:00 is 15:30Z, same day)', () => {
    expect(localDateOf('2026-03-14T23:30:00+08:00', 'UTC')).toBe('2026-03-14');
  });

  it('puts an order ten minutes after local midnight on the new day, though it is the previous day in UTC', () => {
    expect(localDateOf('2026-03-15T00:10:00+08:00', 'Asia/Singapore')).toBe('2026-03-15');
    expect(localDateOf('2026-03-15T00:10:00+08:00', 'UTC')).toBe('2026-03-14');
  });

  it('converts an instant recorded with another offset into the business timezone', () => {
    expect(localDateOf('2024-03-10T03:30:00Z', 'America/New_York')).toBe('2024-03-09');
  });

  it('rejects text that is not an instant', () => {
    expect(() => localDateOf('yesterday', 'UTC')).toThrow(RangeError);
  });
});

describe('localDayStartUtc across DST', () => {
  it.each([
    ['America/New_York', '2024-03-10', '2024-03-10T05:00:00.000Z'], // spring forward at 02:00, midnight still EST
    ['America/New_York', '2024-03-11', '2024-03-11T04:00:00.000Z'],
    ['America/New_York', '2024-11-03', '2024-11-03T04:00:00.000Z'], // fall back at 02:00, midnight still EDT
    ['America/New_York', '2024-11-04', '2024-11-04T05:00:00.000Z'],
    ['Australia/Sydney', '2024-04-07', '2024-04-06T13:00:00.000Z'], // DST ends at 03:00, midnight still AEDT
    ['Australia/Sydney', '2024-04-08', '2024-04-07T14:00:00.000Z'],
    ['Australia/Sydney', '2024-10-06', '2024-10-05T14:00:00.000Z'], // DST starts at 02:00
    ['Australia/Sydney', '2024-10-07', '2024-10-06T13:00:00.000Z'],
    ['Asia/Singapore', '2024-02-29', '2024-02-28T16:00:00.000Z'],
  ])('%s %s begins at %s', (zone, date, expected) => {
    expect(localDayStartUtc(date, zone)).toBe(expected);
  });

  it('starts a day whose midnight is skipped (Havana springs forward at 00:00) at the transition', () => {
    expect(localDayStartUtc('2024-03-10', 'America/Havana')).toBe('2024-03-10T05:00:00.000Z');
  });

  it('starts a day with two midnights (Havana falls back from 01:00 to 00:00) at the first one', () => {
    expect(localDayStartUtc('2024-11-03', 'America/Havana')).toBe('2024-11-03T04:00:00.000Z');
  });
});

describe('a date range, checked once at the edge', () => {
  const now = new Date('2026-03-14T16:30:00Z'); // 2026-03-15 00:30 in Singapore, 2026-03-14 in New York
  const body = (startDate: string, endDate: string) => ({
    channel: 'pos',
    locationId: 'all',
    startDate,
    endDate,
    contactMapping: { mode: 'auto' },
  });
  const problems = (startDate: string, endDate: string) => {
    const result = CreateSyncRequestBody.safeParse(body(startDate, endDate));
    return result.success
      ? []
      : result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  };

  it('accepts a range ending today in the business timezone', () => {
    expect(futureEndProblem('2026-03-15', 'Asia/Singapore', now)).toBeNull();
    expect(problems('2024-01-01', '2026-03-15')).toEqual([]);
  });

  it('refuses an endDate that is still in the future in the business timezone', () => {
    expect(futureEndProblem('2026-03-15', 'America/New_York', now)).toEqual({
      path: 'endDate',
      message: expect.stringContaining('use 2026-03-14 or earlier'),
    });
  });

  it('refuses a start after the end, naming endDate (the contract)', () => {
    expect(problems('2025-02-01', '2025-01-31')).toEqual([
      { path: 'endDate', message: expect.stringContaining('before startDate 2025-02-01') },
    ]);
  });

  it('refuses dates that are not real calendar dates or not YYYY-MM-DD (the contract), and only those', () => {
    const found = problems('2023-02-29', '2025/01/31');
    expect(found.map((p) => p.path)).toEqual(['startDate', 'endDate']);
    expect(found[0]?.message).toContain('YYYY-MM-DD');
  });

  it('accepts 29 February in a leap year', () => {
    expect(problems('2024-02-29', '2024-02-29')).toEqual([]);
  });
});

describe('rangeUtc', () => {
  it('covers a 366-day leap year in UTC from its first midnight to the next year', () => {
    expect(rangeUtc('2024-01-01', '2024-12-31', 'UTC')).toEqual({
      fromUtc: '2024-01-01T00:00:00.000Z',
      toUtcExclusive: '2025-01-01T00:00:00.000Z',
      dayCount: 366,
    });
  });

  it('includes the leap day, local to the business (Singapore midnight is 16:00Z)', () => {
    expect(rangeUtc('2024-02-27', '2024-02-29', 'Asia/Singapore')).toMatchObject({
      fromUtc: '2024-02-26T16:00:00.000Z',
      toUtcExclusive: '2024-02-29T16:00:00.000Z',
      dayCount: 3,
    });
  });

  it('is 23 hours long on the day New York springs forward and 25 on the day Sydney falls back', () => {
    const hours = (r: { fromUtc: string; toUtcExclusive: string }) =>
      (Date.parse(r.toUtcExclusive) - Date.parse(r.fromUtc)) / 3_600_000;
    expect(hours(rangeUtc('2024-03-10', '2024-03-10', 'America/New_York'))).toBe(23);
    expect(rangeUtc('2024-04-07', '2024-04-07', 'Australia/Sydney')).toMatchObject({
      fromUtc: '2024-04-06T13:00:00.000Z',
      toUtcExclusive: '2024-04-07T14:00:00.000Z',
    });
  });

  it('covers a decade as two instants', () => {
    expect(rangeUtc('2015-01-01', '2024-12-31', 'Australia/Sydney')).toMatchObject({
      toUtcExclusive: '2024-12-31T13:00:00.000Z',
      dayCount: 3653,
    });
  });

  it('refuses a reversed range, an impossible date and an unknown time zone', () => {
    expect(() => rangeUtc('2024-01-02', '2024-01-01', 'UTC')).toThrow(RangeError);
    expect(() => rangeUtc('2023-02-29', '2023-03-01', 'UTC')).toThrow(RangeError);
    expect(() => rangeUtc('2024-01-01', '2024-01-01', 'Nowhere')).toThrow(RangeError);
  });
});

describe('localDateOf, fast path', () => {
  it('agrees with Intl for every instant sampled across zones with odd offsets and odd transition times', () => {
    const zones = [
      'America/St_Johns',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'Pacific/Chatham',
      'America/Havana',
    ];
    const wrong: string[] = [];
    for (const timeZone of zones) {
      const intl = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      });
      // Every 7 min 13 s across 2000–2001: St. John's changed at 00:01 local then, mid-way through a quarter hour.
      for (let t = Date.UTC(2000, 0, 1); t < Date.UTC(2002, 0, 1); t += 433_000) {
        const iso = new Date(t).toISOString();
        if (localDateOf(iso, timeZone) !== intl.format(t)) wrong.push(`${timeZone} ${iso}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
