import { z } from 'zod';
import type { XeroConnectionView } from './business';
import type { SyncRequestDetail } from './request-views';

/**
 * What the Manual Syncing page's own routes answer (src/api/page), beside the /api operations it calls: its
 * Reconnect button's answer and the events of its one stream.
 */

/** Where to send the browser to connect the business to Xero (Xero's consent page). */
export const AuthorizeRedirect = z.object({ authorizeUrl: z.string() });
export type AuthorizeRedirect = z.infer<typeof AuthorizeRedirect>;

/** The page's stream (GET /manual-sync/events, Server-Sent Events): each event's name and its JSON data. */
export interface PageEvents {
  /** The stream is live; the session ends at expiresAt. */
  ready: { expiresAt: string };
  /** A request of the business changed: its detail, as GET /api/sync-requests/{id} answers it. */
  request: SyncRequestDetail;
  /** The business's Xero connection, when the page joins and whenever it changes. */
  connection: XeroConnectionView;
  /** The session has ended; the stream closes. */
  expired: Record<string, never>;
}
