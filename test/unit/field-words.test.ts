import { futureEndProblem } from '../../src/calendar';
import { CreateSyncRequestBody } from '../../src/contract';
import { fieldWords } from '../../src/web/client/field-words';

/** The Add Sync Request dialog's field errors in the page's words, from the API's real messages. */
const body = {
  channel: 'pos',
  locationId: 'all',
  startDate: '2026-12-01',
  endDate: '2026-12-05',
  contactMapping: { mode: 'auto' },
};
const apiMessage = (patch: Record<string, unknown>, path: string) => {
  const result = CreateSyncRequestBody.safeParse({ ...body, ...patch });
  if (result.success) throw new Error('expected the API to refuse it');
  return result.error.issues.find((i) => i.path.join('.') === path)!.message;
};

describe('field errors in the page’s own words', () => {
  it('a future End Date names the business’s today in the page’s date format, not the API’s', () => {
    const problem = futureEndProblem('2026-12-12', 'Asia/Singapore', new Date('2026-12-05T04:00:00Z'))!;
    expect(problem.message).toContain('endDate 2026-12-12 is in the future in Asia/Singapore');
    const words = fieldWords('endDate', problem.message);
    expect(words).toBe(
      `Pick ${new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }).format(new Date('2026-12-05T00:00:00Z'))} or an earlier day.`,
    );
    expect(words).not.toMatch(/endDate|2026-12-05|Asia\/Singapore/);
  });

  it('an empty or impossible date asks for a date, not for YYYY-MM-DD', () => {
    for (const startDate of ['', '2026-02-30']) {
      const words = fieldWords('startDate', apiMessage({ startDate }, 'startDate'));
      expect(words).toBe('Enter a date: day, month and year.');
    }
  });

  it('an End Date before the Start Date, and an unknown channel, in the dialog’s labels', () => {
    const reversed = apiMessage({ startDate: '2026-12-05', endDate: '2026-12-01' }, 'endDate');
    expect(fieldWords('endDate', reversed)).toBe(
      'The End Date is before the Start Date: pick a later End Date, or an earlier Start Date.',
    );
    const channel = apiMessage({ channel: 'kiosk' }, 'channel');
    expect(channel).toContain('"pos"');
    expect(fieldWords('channel', channel)).toBe('Pick a sales channel: POS, Online Store or B2B.');
  });

  it('any other message keeps its sense, with the labels and dates the page uses', () => {
    expect(fieldWords('contact', 'no contact abc exists; pick one before 2026-12-05 for contactId')).toMatch(
      /^No contact abc exists; pick one before (\d+ Dec|Dec \d+,) 2026 for Xero contact$/,
    );
  });
});
