import type { Db } from '../db/pool';
import { Conflict, InvalidInput, NotFound } from '../errors';
import type { TokenCipher } from '../xero/token-crypto';
import { WEBHOOK_EVENT_TYPES } from './events';
import type { WebhookEventType } from './events';
import { newWebhookSecret } from './signing';
import { getEndpoint, insertEndpoint, newEndpointId, rotateSecret } from './store';
import type { EndpointRow } from './store';
import { checkWebhookUrl, WebhookUrlError } from './urls';
import type { UrlPolicy } from './urls';

/** A business's webhook endpoints: registered, rotated and deleted under its API key (routes in src/api/). */
export interface EndpointDeps {
  db: Db;
  cipher: TokenCipher;
  policy: UrlPolicy;
}

/** Each event is delivered to every subscribed endpoint: a bound on that fan-out. */
export const MAX_ENDPOINTS_PER_BUSINESS = 20;

/** After a rotation the previous secret keeps signing beside the new one this long, so receivers can switch. */
export const ROTATION_GRACE_MS = 24 * 3_600_000;

export interface NewEndpoint {
  url: string;
  events?: WebhookEventType[];
  description?: string;
}

/** Registers an endpoint; the answer's secret is the only time it is shown. */
export async function registerEndpoint(
  deps: EndpointDeps,
  businessId: string,
  body: NewEndpoint,
): Promise<{ endpoint: EndpointRow; secret: string }> {
  let url: URL;
  try {
    url = await checkWebhookUrl(body.url, deps.policy);
  } catch (err) {
    if (!(err instanceof WebhookUrlError)) throw err;
    throw new InvalidInput([{ path: 'url', message: err.message }], 'Invalid webhook URL');
  }
  const events = body.events ? [...new Set(body.events)] : [...WEBHOOK_EVENT_TYPES];
  const secret = newWebhookSecret();
  const endpoint = await insertEndpoint(
    deps.db,
    deps.cipher,
    { id: newEndpointId(), businessId, url: url.href, events, description: body.description ?? null },
    secret,
    MAX_ENDPOINTS_PER_BUSINESS,
  );
  if (!endpoint)
    throw new Conflict(
      'Too many webhook endpoints',
      `The business already has ${MAX_ENDPOINTS_PER_BUSINESS} webhook endpoints; delete one first.`,
    );
  return { endpoint, secret };
}

export async function requireEndpoint(db: Db, businessId: string, id: string): Promise<EndpointRow> {
  const endpoint = await getEndpoint(db, businessId, id);
  if (!endpoint) throw new NotFound(`Webhook endpoint ${JSON.stringify(id)}`);
  return endpoint;
}

/** A new secret, shown once; the previous one signs beside it for ROTATION_GRACE_MS. */
export async function rotateEndpointSecret(
  deps: EndpointDeps,
  businessId: string,
  id: string,
): Promise<{ endpoint: EndpointRow; secret: string }> {
  const secret = newWebhookSecret();
  const endpoint = await rotateSecret(deps.db, deps.cipher, businessId, id, secret, ROTATION_GRACE_MS);
  if (!endpoint) throw new NotFound(`Webhook endpoint ${JSON.stringify(id)}`);
  return { endpoint, secret };
}
