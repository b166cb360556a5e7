import type { ManualSyncInput, OrdersCursor, StepOutcome } from '../src/definitions';
import { resolveContacts as resolveRequestContacts } from '../src/engine/contacts-step';
import { syncOrders as walkOrders } from '../src/engine/orders-walk';
import { prepareRequest } from '../src/engine/prepare';
import type { Dependencies } from '../src/runtime';
import { asActivity } from './hooks';
import { emitSubmitted } from './request-state';

/**
 * The sync workflow's steps (workflows/manual-sync.ts). Each calls one function of the engine (src/engine/) with
 * the worker's clients and the activity's hooks; the engine does the work, these only adapt it to Temporal.
 */
export function createSyncActivities(deps: Dependencies) {
  return {
    /** Records the request's plan (orders and expected calls) before its first write, then `submitted`. */
    prepareSync: (input: ManualSyncInput): Promise<void> =>
      asActivity(async (hooks) => {
        const { expected } = await prepareRequest(deps, input, hooks);
        await emitSubmitted(deps, input, expected);
      }),
    /** Auto-match by name: finds or creates every contact the request's orders name. */
    resolveContacts: (input: ManualSyncInput): Promise<StepOutcome> =>
      asActivity((hooks) => resolveRequestContacts(deps, input, hooks)),
    /** One step of the orders walk: invoices, then their payments and credit notes, packed into batches. */
    syncOrders: (input: ManualSyncInput, cursor: OrdersCursor): Promise<StepOutcome> =>
      asActivity((hooks) => walkOrders(deps, input, cursor, hooks)),
  };
}
