import type { SyncRequestDetail, SyncRequestSummary } from '../../contract';

/**
 * A request as the page keeps it: the history log's summary, with the fields of its detail once the page has
 * read them (GET /api/sync-requests/:id, and the stream's events). Apart from api.ts (which needs the DOM), so the
 * words of src/web/client/format.ts can be unit-tested in Node.
 */
export type RequestView = SyncRequestSummary & Partial<Omit<SyncRequestDetail, keyof SyncRequestSummary>>;
