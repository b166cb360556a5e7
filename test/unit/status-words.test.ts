import type { RequestView } from '../../src/web/client/request-view';
import { etaWords, setTimeZone, stateWords } from '../../src/web/client/format';

/**
 * The status line's words (issue 24): one sentence per state, true of what the request is doing, and a quota wait's
 * sentence and ETA consistent with its resumeAt.
 */
describe('stateWords: one true sentence per state', () => {
  const NOW = Date.parse('2026-12-06T10:00:00Z');
  const base: RequestView = {
    id: 'sr_1',
    state: 'running',
    channel: 'pos',
    locationId: 'all',
    startDate: '2026-01-01',
    endDate: '2026-01-31',
    contactMapping: { mode: 'auto' },
    contactName: null,
    retryOf: null,
    createdAt: '2026-12-06T09:00:00Z',
    closedAt: null,
    counts: { found: 10, synced: 9, failed: 1, skipped: 0 },
    expected: 100,
    resumeAt: null,
    resumeAtIsReset: false,
    pausing: false,
    lastError: null,
    alreadyInXero: 0,
    retriedBy: null,
    undo: null,
    links: { self: '', orders: '', pause: '', resume: '', cancel: '', retryFailed: '', undo: '' },
  };
  const words = (r: Partial<RequestView>) => stateWords({ ...base, ...r }, NOW);
  beforeAll(() => setTimeZone('UTC'));

  it('says what a running request is doing in its phase', () => {
    expect(words({ phase: 'queued' })).toBe("Preparing: reading the orders and the organisation's settings");
    expect(words({ phase: 'contacts', contacts: { done: 3, total: 7 } })).toBe('Matching contacts (3 of 7)');
    expect(words({ phase: 'orders', contacts: { done: 7, total: 7 } })).toBe('Sending orders to Xero');
    expect(words({})).toBe('Running'); // a history row: no phase
  });

  it('says Pausing… until the request is paused, then Paused', () => {
    for (const state of ['queued', 'running', 'waiting_for_quota'] as const)
      expect(words({ state, pausing: true, phase: 'orders' })).toBe('Pausing…');
    expect(words({ state: 'paused', pausing: false })).toBe('Paused');
  });

  it('says when a quota wait ends as resumeAt does: a reset, a look, or now once it has passed', () => {
    const at = '2026-12-06T12:47:00Z';
    const waiting = { state: 'waiting_for_quota' as const, resumeAt: at };
    expect(words({ ...waiting, resumeAtIsReset: true })).toBe(
      "Waiting for Xero's daily limit, resumes at 12:47",
    );
    expect(words({ ...waiting, resumeAtIsReset: false })).toBe(
      "Waiting for Xero's daily limit, tries again at 12:47 (its reset is not known yet)",
    );
    const passed = { state: 'waiting_for_quota' as const, resumeAt: '2026-12-06T09:59:00Z' };
    expect(words({ ...passed, resumeAtIsReset: true })).toBe(
      "Waiting for Xero's daily limit, which has reset: resuming now",
    );
    expect(words({ ...passed, resumeAtIsReset: false })).toBe(
      "Waiting for Xero's daily limit, looking again now",
    );
  });

  it('names every other state once', () => {
    expect(words({ state: 'completed' })).toBe('Completed');
    expect(words({ state: 'completed_with_errors' })).toBe('Completed with 1 error');
    expect(words({ state: 'failed', lastError: 'Xero refused' })).toBe('Failed: Xero refused');
    expect(words({ state: 'needs_reconnect' })).toBe('Needs Xero reconnect');
    expect(words({ state: 'cancelled' })).toBe('Cancelled');
  });

  it('gives a wait an ETA no sooner than its reset (never "less than a minute" while it is hours away)', () => {
    const r: RequestView = {
      ...base,
      state: 'waiting_for_quota',
      resumeAt: '2026-12-06T12:47:00Z',
      resumeAtIsReset: true,
      eta: {
        earliestSeconds: 2 * 3600 + 47 * 60 + 40,
        latestSeconds: 2 * 3600 + 47 * 60 + 40,
        resetKnown: true,
        dailyLimit: { calls: 5000, source: 'xero-headers' },
        dailyReserve: 1000,
      },
    };
    expect(etaWords(r, NOW)).toMatch(
      /^about 2 h 4[78] min left \(assuming 5,000 Xero calls a day, 1,000 kept back\)$/,
    );
  });
});
