import {
  Client,
  Connection,
  isGrpcServiceError,
  makeGrpcRetryInterceptor,
  defaultGrpcRetryOptions,
} from '@temporalio/client';
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { ConnectionOptions } from '@temporalio/client';
import type { Config } from '../config';
import type { PoolDeadlines } from '../db/pool';

/**
 * The API answers within seconds even when PostgreSQL or Temporal is down or hung: every call it makes to either
 * has a deadline, and a call that missed it (or found the dependency down) becomes a 503 with Retry-After
 * (src/api/errors.ts), instead of a 20–30 s hang and a 500.
 */

/** Deadline of each Temporal call the API makes (start, describe, query, signal, update, list). */
export const TEMPORAL_CALL_DEADLINE_MS = 2500;
/** What the API's pool allows PostgreSQL: a connection, then each statement. */
export const API_DB_DEADLINES: PoolDeadlines = { connectMs: 2500, queryMs: 4000 };
/** Retry-After of a 503 for a dependency that is down. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

export type Dependency = 'PostgreSQL' | 'Temporal';

type Interceptor = NonNullable<ConnectionOptions['interceptors']>[number];
// gRPC status codes (grpc-js is the SDK's dependency, not ours).
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/**
 * A gRPC interceptor that gives every call without a deadline of its own one `ms` from now. It sits before the
 * SDK's retry interceptor, so retries of an unavailable server stop at the deadline too.
 */
export function deadlineInterceptor(ms: number): Interceptor {
  // grpc-js types ask for its InterceptingCall class; the next call it hands us is one (or acts as one).
  return (options, nextCall) =>
    nextCall({ ...options, deadline: options.deadline ?? Date.now() + ms }) as ReturnType<Interceptor>;
}

/**
 * The API's Temporal client: lazy (the API starts, and answers 503, while Temporal is down) and with a deadline
 * on every call. Progress reads, control and submit all go through it, whatever they call.
 */
export function apiTemporalClient(
  cfg: Config,
  deadlineMs = TEMPORAL_CALL_DEADLINE_MS,
): { client: Client; connection: Connection } {
  const address = cfg.TEMPORAL_ADDRESS ?? `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`;
  const connection = Connection.lazy({
    address,
    connectTimeout: deadlineMs,
    // The SDK's retry interceptor would retry an unreachable server for about 20 s, and reports a missed deadline
    // only at its next attempt: a few quick attempts, then the deadline, keep every answer under 5 s.
    interceptors: [
      deadlineInterceptor(deadlineMs),
      makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 4 })),
    ],
  });
  return { client: new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE }), connection };
}

const PG_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// SQLSTATE classes 08 (connection exception), 57P0x (shutdown, cannot connect now) and 53300 (too many connections).
const PG_UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-4]|53300)$/;
const PG_CLIENT_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|Query read timeout|not queryable|Client was closed/i;

function chain(err: unknown): unknown[] {
  const seen: unknown[] = [];
  for (let e = err; e && seen.length < 6; e = (e as { cause?: unknown }).cause) seen.push(e);
  return seen;
}

/**
 * Which dependency an error says is down or did not answer in time, if any. In the API, raw socket errors can
 * only come from PostgreSQL: Xero calls are typed by the gateway and Temporal's by gRPC.
 */
export function unavailableDependency(err: unknown): Dependency | undefined {
  for (const e of chain(err)) {
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return 'Temporal';
    if (isGrpcServiceError(e)) {
      const code = e.code;
      if (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED) return 'Temporal';
      continue;
    }
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (PG_CONNECTION_CODES.has(code) || PG_UNAVAILABLE_SQLSTATE.test(code)))
      return 'PostgreSQL';
    if (typeof message === 'string' && PG_CLIENT_MESSAGES.test(message)) return 'PostgreSQL';
  }
  return undefined;
}
