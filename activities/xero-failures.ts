import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { NEEDS_RECONNECT_FAILURE } from '../src/definitions';
import { NotConnected } from '../src/errors';
import { XeroApiError } from '../src/xero/errors';
import { AbortedError } from '../src/xero/limiter';
import { ConnectionNeedsReconnect } from '../src/xero/tokens';

/**
 * Turns a Xero failure into the Temporal failure that makes the activity do the right thing: transient ones
 * retry with backoff (or exactly after Retry-After), anything else fails the request with Xero's reason.
 * Only the parsed error's own fields travel: never request headers or tokens.
 */
export function toActivityFailure(err: unknown): unknown {
  // Temporal cancelled the step (or gave up on it): report the cancellation, not a failure.
  if (err instanceof AbortedError) return new CancelledFailure(err.message);
  // Not retried by Temporal: the workflow waits for the business to reconnect, then runs the batch again.
  if (err instanceof ConnectionNeedsReconnect)
    return ApplicationFailure.create({
      type: NEEDS_RECONNECT_FAILURE,
      message: err.message,
      nonRetryable: true,
    });
  // The request's business is gone: no retry can bring it back.
  if (err instanceof NotConnected)
    return ApplicationFailure.create({ type: 'NotConnected', message: err.message, nonRetryable: true });
  if (!(err instanceof XeroApiError)) return err;
  switch (err.kind) {
    case 'transient':
      return ApplicationFailure.create({ type: 'XeroTransient', message: err.message });
    case 'minute-limit':
    case 'concurrent-limit':
      return ApplicationFailure.create({
        type: 'XeroRateLimited',
        message: err.message,
        nextRetryDelay: `${err.retryAfterSeconds ?? 60} seconds`,
      });
    default:
      return ApplicationFailure.create({
        type: `Xero_${err.kind}`,
        message: err.message,
        nonRetryable: true,
      });
  }
}
