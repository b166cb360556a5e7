import http from 'node:http';
import https from 'node:https';
import type { Db } from '../db/pool';
import type { WebhookDeliveryInput } from '../definitions';
import { metrics } from '../observability/metrics';
import type { TokenCipher } from '../xero/token-crypto';
import { signedHeaders } from './signing';
import type { SignedHeaders } from './signing';
import { deliveryTarget, markGivenUp, recordAttempt } from './store';
import { guardedLookup, literalAddressProblem } from './urls';
import type { UrlPolicy } from './urls';

/**
 * One attempt of a delivery: the event's body, signed, POSTed to the endpoint within the attempt's timeout; the
 * attempt goes into the delivery log with when the next will be. Only a 2xx counts as delivered (a redirect is
 * not followed). Temporal retries a failed attempt with exponential backoff (workflows/webhook-delivery.ts).
 */
export interface DeliveryDeps {
  db: Db;
  cipher: TokenCipher;
  policy: UrlPolicy;
}

export type AttemptOutcome = 'delivered' | 'http_error' | 'timeout' | 'network_error' | 'refused';

export interface AttemptResult {
  outcome: AttemptOutcome | 'endpoint_deleted';
  statusCode: number | null;
  error: string | null;
}

/** When Temporal tries again after attempt `n` (its retry policy, without jitter); null past the give-up time. */
export function nextAttemptAt(
  input: Pick<WebhookDeliveryInput, 'backoffInitialMs' | 'backoffMaxMs' | 'retryForMs'>,
  firstScheduled: Date,
  attempt: number,
  now: Date,
): Date | null {
  const delay = Math.min(input.backoffInitialMs * 2 ** (attempt - 1), input.backoffMaxMs);
  const next = new Date(now.getTime() + delay);
  return next.getTime() <= firstScheduled.getTime() + input.retryForMs ? next : null;
}

const USER_AGENT = 'xero-manual-sync-webhooks/1';

export async function attemptDelivery(
  deps: DeliveryDeps,
  input: WebhookDeliveryInput,
  attempt: number,
): Promise<AttemptResult> {
  const target = await deliveryTarget(deps.db, deps.cipher, input.deliveryId);
  // Deleting an endpoint deletes its deliveries: nothing left to deliver.
  if (!target) {
    ended('endpoint_deleted');
    return { outcome: 'endpoint_deleted', statusCode: null, error: null };
  }
  if (target.status !== 'pending') return { outcome: 'delivered', statusCode: null, error: null };
  const body = JSON.stringify(target.payload);
  const started = new Date();
  const headers = signedHeaders(target.secrets, target.eventId, started, body);
  const answer = await post(new URL(target.url), body, headers, input.attemptTimeoutMs, deps.policy);
  const delivered = answer.outcome === 'delivered';
  await recordAttempt(deps.db, input.deliveryId, {
    attempt,
    startedAt: started,
    durationMs: Date.now() - started.getTime(),
    statusCode: answer.statusCode,
    error: answer.error,
    delivered,
    nextAttemptAt: delivered ? null : nextAttemptAt(input, target.createdAt, attempt, new Date()),
  });
  metrics().webhookAttempts.inc({ outcome: answer.outcome });
  if (delivered) ended('delivered');
  return answer;
}

/** Every try failed for WEBHOOK_RETRY_FOR_MS: the delivery is marked failed. */
export async function giveUp(db: Db, deliveryId: string): Promise<void> {
  await markGivenUp(db, deliveryId);
  ended('given_up');
}

function ended(outcome: 'delivered' | 'given_up' | 'endpoint_deleted'): void {
  metrics().webhookDeliveries.inc({ outcome });
}

/**
 * The POST itself: its status, or why there was none (never the receiver's body, which could hold anything).
 * The attempt's timeout covers the whole exchange: a receiver that sends its status and then never ends its
 * body has its connection closed all the same.
 */
export function post(
  url: URL,
  body: string,
  signed: SignedHeaders,
  timeoutMs: number,
  policy: UrlPolicy,
): Promise<{ outcome: AttemptOutcome; statusCode: number | null; error: string | null }> {
  const literal = literalAddressProblem(url, policy);
  if (literal) return Promise.resolve({ outcome: 'refused', statusCode: null, error: `refused: ${literal}` });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: { outcome: AttemptOutcome; statusCode: number | null; error: string | null }) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        headers: {
          ...signed,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': USER_AGENT,
        },
        lookup: guardedLookup(policy),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.resume(); // the body is not read; the connection is freed once it has arrived
        res.on('error', () => undefined);
        res.on('end', () => clearTimeout(timer));
        const ok = status >= 200 && status < 300;
        settle({
          outcome: ok ? 'delivered' : 'http_error',
          statusCode: status,
          error: ok ? null : `the endpoint answered ${status}`,
        });
      },
    );
    const timer = setTimeout(() => {
      settle({ outcome: 'timeout', statusCode: null, error: `no answer within ${timeoutMs} ms` });
      request.destroy();
    }, timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const refused = err.code === 'EWEBHOOKADDRESS';
      settle({
        outcome: refused ? 'refused' : 'network_error',
        statusCode: null,
        error: refused ? err.message : `${err.code ?? 'error'}: ${err.message}`.slice(0, 300),
      });
    });
    request.end(body);
  });
}
