import { Router } from 'express';
import type { Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { Db } from '../../db/pool';
import type { XeroGateway } from '../../xero/gateway';
import type { TenantLimiter } from '../../xero/limiter';
import type { ControlAction, Reconciliation, ReconciliationQuery } from '../../contract';
import { InvalidInput } from '../../errors';
import { controlRequest, retryFailed } from '../../requests/control';
import { DetailCache } from '../../requests/detail-cache';
import { CursorError, describeRequest, linksOf, listHistory, requireRequest } from '../../requests/history';
import { listOrderResults } from '../../requests/order-results';
import { csvField, ordersCsv } from '../../requests/orders-csv';
import { reconcile, reconciliationCsv } from '../../requests/reconciliation';
import { checkAgainstXero } from '../../requests/xero-check';
import { getBusiness } from '../../businesses/store';
import { listSummaries } from '../../requests/summary-views';
import { previewSyncRequest } from '../../requests/preview';
import { submitSyncRequest } from '../../requests/submit';
import { cancelUndo, previewUndo, startUndo, undoProgress } from '../../requests/undo';
import type { Submitted } from '../../requests/submit';
import { mount, reply } from '../operation';
import { syncRequestOperations as ops } from './operations';

export interface SyncRequestRouteDeps {
  cfg: Config;
  db: Db;
  temporal: Client;
  limiter: TenantLimiter;
  newXeroGateway: () => XeroGateway;
}

function accepted(res: Response, { input, replayed }: Submitted): void {
  if (replayed) res.set('Idempotent-Replayed', 'true');
  res.location(`/api/sync-requests/${input.requestId}`);
  reply(res, ops.create, 202, {
    id: input.requestId,
    state: 'queued',
    retryOf: input.retryOf ?? null,
    replayed,
    links: linksOf(input.requestId),
  });
}

/** A bad cursor is the caller's mistake: a 400 naming the parameter, like any other invalid input. */
async function withCursor<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof CursorError)) throw err;
    throw new InvalidInput([{ path: 'cursor', message: err.message }], undefined, 'query');
  }
}

export function syncRequestRoutes(deps: SyncRequestRouteDeps): Router {
  const router = Router();
  const details = new DetailCache<Awaited<ReturnType<typeof describeRequest>>>(deps.cfg.PROGRESS_CACHE_MS);

  mount(router, ops.create, async ({ businessId, body, headers }, res) => {
    accepted(res, await submitSyncRequest(deps, businessId, body, headers['idempotency-key']));
  });

  mount(router, ops.preview, async ({ businessId, body }, res) => {
    reply(res, ops.preview, 200, await previewSyncRequest(deps, businessId, body));
  });

  mount(router, ops.list, async ({ businessId, query }, res) => {
    const { cursor, locationId, ...filter } = query;
    const location = locationId === undefined ? undefined : locationId === 'all' ? null : locationId;
    const page = await withCursor(() =>
      listHistory(deps, { businessId, ...filter, locationId: location }, cursor),
    );
    reply(res, ops.list, 200, page);
  });

  mount(router, ops.get, async ({ businessId, params }, res) => {
    const detail = details.get(businessId, params.id, () => describeRequest(deps, businessId, params.id));
    reply(res, ops.get, 200, await detail);
  });

  mount(router, ops.orders, async ({ businessId, params, query }, res) => {
    await requireRequest(deps, businessId, params.id);
    const page = await withCursor(() =>
      listOrderResults(deps.db, { businessId, requestId: params.id, ...query }),
    );
    reply(res, ops.orders, 200, page);
  });

  mount(router, ops.summaries, async ({ businessId, params, query }, res) => {
    await requireRequest(deps, businessId, params.id);
    const page = await withCursor(() =>
      listSummaries(deps.db, { businessId, requestId: params.id, ...query }),
    );
    reply(res, ops.summaries, 200, page);
  });

  mount(router, ops.exportOrders, async ({ businessId, params }, res) => {
    await requireRequest(deps, businessId, params.id);
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="${params.id}-orders.csv"`)
      .send(await ordersCsv(deps.db, businessId, params.id));
  });

  const requestReconciliation = async (businessId: string, id: string) => {
    const { input } = await requireRequest(deps, businessId, id);
    const query = { startDate: input.startDate, endDate: input.endDate, channel: input.channel };
    const located = input.locationId === null ? query : { ...query, locationId: input.locationId };
    return reconcile(deps.db, { businessId, requestId: id, timeZone: input.timeZone, query: located });
  };
  const rangeReconciliation = async (businessId: string, query: ReconciliationQuery) => {
    const business = await getBusiness(deps.db, businessId);
    return reconcile(deps.db, { businessId, requestId: null, timeZone: business!.timeZone, query });
  };
  const csv = (res: Response, name: string, report: Reconciliation) =>
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="${name}-reconciliation.csv"`)
      .send(reconciliationCsv(report, csvField));

  mount(router, ops.reconciliationCsv, async ({ businessId, params }, res) => {
    csv(res, params.id, await requestReconciliation(businessId, params.id));
  });
  mount(router, ops.reconciliation, async ({ businessId, params }, res) => {
    reply(res, ops.reconciliation, 200, await requestReconciliation(businessId, params.id));
  });
  mount(router, ops.rangeReconciliationCsv, async ({ businessId, query }, res) => {
    csv(res, `${query.startDate}-${query.endDate}`, await rangeReconciliation(businessId, query));
  });
  mount(router, ops.rangeReconciliation, async ({ businessId, query }, res) => {
    reply(res, ops.rangeReconciliation, 200, await rangeReconciliation(businessId, query));
  });

  mount(router, ops.checkAgainstXero, async ({ businessId, body }, res) => {
    reply(res, ops.checkAgainstXero, 200, await checkAgainstXero(deps, businessId, body));
  });

  for (const action of ['pause', 'resume', 'cancel'] as const satisfies ControlAction[]) {
    mount(router, ops[action], async ({ businessId, params }, res) => {
      const outcome = await controlRequest(deps, businessId, params.id, action);
      details.forget(params.id);
      reply(res, ops[action], 202, outcome);
    });
  }

  mount(router, ops.undoPreview, async ({ businessId, params }, res) => {
    reply(res, ops.undoPreview, 200, await previewUndo(deps, businessId, params.id));
  });
  mount(router, ops.undoStart, async ({ businessId, params }, res) => {
    const started = await startUndo(deps, businessId, params.id);
    details.forget(params.id);
    res.location(`/api/sync-requests/${params.id}/undo`);
    reply(res, ops.undoStart, 202, started);
  });
  mount(router, ops.undoGet, async ({ businessId, params }, res) => {
    reply(res, ops.undoGet, 200, await undoProgress(deps, businessId, params.id));
  });
  mount(router, ops.undoCancel, async ({ businessId, params }, res) => {
    const accepted = await cancelUndo(deps, businessId, params.id);
    details.forget(params.id);
    reply(res, ops.undoCancel, 202, accepted);
  });

  mount(router, ops.retryFailed, async ({ businessId, params, headers }, res) => {
    accepted(res, await retryFailed(deps, businessId, params.id, headers['idempotency-key']));
  });

  return router;
}
