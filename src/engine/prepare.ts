import type { Dependencies } from '../runtime';
import type { ManualSyncInput } from '../definitions';
import { getBusiness } from '../businesses/store';
import type { Business } from '../businesses/store';
import { requestFacts, takeRequestFacts } from './request-facts';
import { liveOrders, planFromStats, rangeStats } from './plan';
import type { RangeStats } from './plan';
import { setProgress } from './progress-records';
import { planSummaries } from './summary-estimate';
import type { OrganisationFacts } from '../xero/organisation';
import type { StepHooks } from './step';

/**
 * The request's plan, recorded before its first write: how many orders it covers and the calls it expects (the
 * same plan the preview shows), so progress and the ETA have something true to go on from the start. Its first
 * Xero call reads the organisation's facts (lock dates, currencies), kept for the whole request. Answers how many
 * orders the request covers.
 */
export async function prepareRequest(
  deps: Dependencies,
  input: ManualSyncInput,
  hooks: Pick<StepHooks, 'signal' | 'heartbeat' | 'log'>,
): Promise<{ expected: number }> {
  const business = await getBusiness(deps.db, input.businessId);
  const walkIn = business?.settings.walkInContactName ?? 'Walk-in Customer';
  const tenant = business?.xeroTenantId;
  const quota = tenant ? await deps.limiter.dailyQuota(tenant) : null;
  const stats = await rangeStats(deps.db, input);
  const facts = business ? await organisationFacts(deps, business, input, stats, hooks) : null;
  const directory = {
    size: () => Promise.resolve(quota?.contactsCount ?? null),
    where: quota?.contactWhere ?? { refused: null, answered: null },
  };
  const baseCurrency = facts?.baseCurrency ?? null;
  // A daily-summary request's calls are its summaries' (src/engine/summary-estimate.ts), as its preview showed.
  const plan =
    input.options.posting === 'daily-summary'
      ? await planSummaries(deps.db, input, stats, {
          walkInName: walkIn,
          directory,
          baseCurrency,
          paymentAccounts: business?.settings.paymentAccounts ?? {},
        })
      : await planFromStats(deps.db, input, stats, walkIn, directory, baseCurrency);
  await setProgress(deps.db, input.requestId, {
    phase: input.contactMapping.mode === 'auto' ? 'contacts' : 'orders',
    expected: plan.stats.total,
    plannedCalls: plan.calls.total,
  });
  return { expected: plan.stats.total };
}

/**
 * The organisation's facts, read once at the request's start (and kept: a retried start reads nothing again).
 * Nothing to write, nothing read. If Xero cannot be asked now (quota spent, a reconnect needed, Xero down), the
 * first orders step reads them, where those are waited out like any call.
 */
async function organisationFacts(
  deps: Dependencies,
  business: Business,
  input: ManualSyncInput,
  stats: RangeStats,
  hooks: Pick<StepHooks, 'signal' | 'heartbeat' | 'log'>,
): Promise<OrganisationFacts | null> {
  if (!business.xeroTenantId || liveOrders(stats) === 0) return null;
  const kept = await requestFacts(deps.db, input.requestId);
  if (kept) return kept;
  try {
    return await takeRequestFacts(deps, business, input, stats.currencies, {
      signal: hooks.signal,
      // Heartbeats while the call waits for the limiter, so a worker that dies here is noticed quickly.
      heartbeat: () => hooks.heartbeat(),
      log: hooks.log,
    });
  } catch (err) {
    hooks.log.warn(
      "The organisation's facts could not be read at the start; the first orders step reads them",
      {
        requestId: input.requestId,
        error: err instanceof Error ? err.message : String(err),
      },
    );
    return null;
  }
}
