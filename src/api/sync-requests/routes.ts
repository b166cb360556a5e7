import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Config } from '../../config';
import type { Db } from '../../db/pool';
import { progressQuery } from '../../definitions';
import type { XeroGateway } from '../../xero/gateway';
import type { ManualSyncResult, SyncProgress } from '../../definitions';
import { submitSyncRequest } from '../../sync-requests/submit';
import { notFound } from '../errors';
import { validateBody } from '../validate';
import { CreateSyncRequestBody } from './schemas';

export interface SyncRequestRouteDeps {
  cfg: Config;
  db: Db;
  temporal: Client;
  newXeroGateway: () => XeroGateway;
}

export function syncRequestRoutes(deps: SyncRequestRouteDeps): Router {
  const router = Router();

  router.post('/', validateBody(CreateSyncRequestBody), async (req, res) => {
    const input = await submitSyncRequest(deps, req.body as CreateSyncRequestBody);
    res
      .status(202)
      .location(`/api/sync-requests/${input.requestId}`)
      .json({
        id: input.requestId,
        state: 'queued',
        links: { self: `/api/sync-requests/${input.requestId}` },
      });
  });

  router.get('/:id', async (req, res) => {
    res.json(await readProgress(deps.temporal, req.params.id));
  });

  return router;
}

/** Live progress from the workflow's query; a closed request answers with its final result. */
export async function readProgress(temporal: Client, id: string): Promise<SyncProgress> {
  const handle = temporal.workflow.getHandle(id);
  try {
    const description = await handle.describe();
    if (description.status.name === 'RUNNING') return await handle.query(progressQuery);
    if (description.status.name === 'COMPLETED') return (await handle.result()) as ManualSyncResult;
    return await handle.query(progressQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(`Sync request ${JSON.stringify(id)}`);
    throw err;
  }
}
