import { ApplicationFailure } from '@temporalio/activity';
import { XeroApiError } from '../src/xero/errors';

/**
 * Turns a Xero failure into the Temporal failure that makes the activity do the right thing: transient ones
 * retry with backoff (or exactly after Retry-After), anything else fails the request with Xero's reason.
 * Only the parsed error's own fields travel: never request headers or tokens.
 */
export function toActivityFailure(err: unknown): unknown {
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
