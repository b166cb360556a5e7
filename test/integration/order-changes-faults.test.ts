import { createBusiness } from '../support/orders';
import {
  expectLatestRevision,
  importRevisions,
  loadMonth,
  reviseMonth,
  expectNothingToSend,
  syncMonth,
  writeCalls,
} from '../support/changes';
import { simStats } from '../support/orders';
import { startFaultySystem } from '../support/system';
import type { TestSystem } from '../support/system';

/** Issue 26's scenario with Xero failing: 5xx answers and writes that commit but whose answer is lost. */
describe('later payments, refunds and voids with Xero faults', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startFaultySystem('changes-faults', 26);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'brings Xero to the latest revision of every order, each change once, and a third sync writes nothing',
    async () => {
      const businessId = 'biz_changes_faults';
      await createBusiness(system.database.db, businessId);
      const orders = await loadMonth(system, businessId);
      await syncMonth(system, businessId);
      const revised = reviseMonth(orders);
      await importRevisions(system, revised);
      await syncMonth(system, businessId);
      await expectLatestRevision(system, orders, revised);
      const stats = await simStats(system.xero.baseUrl);
      expect(stats.calls.byStatus['503'] ?? 0).toBeGreaterThan(0);
      expect(stats.calls.byStatus.dropped ?? 0).toBeGreaterThan(0);

      const before = await writeCalls(system);
      await expectNothingToSend(system, businessId);
      expect(await writeCalls(system)).toBe(before);
      await expectLatestRevision(system, orders, revised);
    },
    10 * 60_000,
  );
});
