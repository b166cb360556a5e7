/**
 * At Xero's real pacing (the 60-second window, no scaling): a day of 60 online orders from 60 new customers.
 * At most 8 calls, no activity timeout in the history, and counts moving in the progress within 30 s.
 */
import { newCustomersDay } from '../../test/support/orders';
import type { TestSystem } from '../../test/support/system';
import { load, newOrg, result, seconds, submit, tenantStats } from './support';
import type { Row } from './report';

export async function runRealPacing(system: TestSystem): Promise<Row[]> {
  const org = await newOrg(system, 'Real pacing');
  const orders = newCustomersDay(org.businessId, 'rp');
  await load(system, orders);
  const api = await system.api(org.businessId);
  const before = await tenantStats(system, org);
  const started = Date.now();
  const id = await submit(system, org, { channel: 'online', startDate: '2026-02-02', endDate: '2026-02-02' });
  let moving: number | null = null;
  const poll = setInterval(() => {
    void api.get<{ counts: { found: number } }>(`/api/sync-requests/${id}`).then((res) => {
      if (moving === null && res.body.counts.found > 0) moving = Date.now() - started;
    });
  }, 250);
  try {
    await result(system, id);
  } finally {
    clearInterval(poll);
  }
  const calls = (await tenantStats(system, org)).calls.total - before.calls.total;
  const { events } = await system.temporal.client.workflow.getHandle(id).fetchHistory();
  const timeouts = (events ?? []).filter((e) => /TIMED_OUT/.test(String(e.eventType))).length;
  const scenario = 'real 60 s window: 60 orders, 60 new customers';
  return [
    { id: 'RP', scenario, metric: 'Xero calls', value: calls, target: '≤ 8', pass: calls <= 8 },
    {
      id: 'RP',
      scenario,
      metric: 'activity timeouts in the history',
      value: timeouts,
      target: '0',
      pass: timeouts === 0,
    },
    {
      id: 'RP',
      scenario,
      metric: `seconds until counts move (done in ${seconds(Date.now() - started)} s)`,
      value: moving === null ? -1 : seconds(moving),
      target: '≤ 30',
      pass: moving !== null && moving <= 30_000,
    },
  ];
}
