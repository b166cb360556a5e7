import { z } from 'zod';

/**
 * The domain's errors: what the request lifecycle, the settings and the CLI can say went wrong, in words a person
 * can act on, with no HTTP in them. The API maps each kind to its status and problem+json in one place
 * (src/api/errors.ts); the CLI prints the message.
 */

/** A problem with one input field: where (e.g. "startDate", "taxTypes.GST9.rate") and what to change. */
export const FieldProblem = z.object({
  path: z.string().describe('Where: body.x, query.x, path.x or header.x'),
  message: z.string(),
});
export type FieldProblem = z.infer<typeof FieldProblem>;

export abstract class DomainError extends Error {
  /** A short heading (the problem's title). */
  abstract readonly title: string;
}

/** Something that does not exist, or belongs to another business (the two are never told apart). */
export class NotFound extends DomainError {
  override readonly name = 'NotFound';
  readonly title = 'Not Found';
  constructor(what: string) {
    super(`${what} was not found.`);
  }
}

/** The thing exists but its state refuses the action (ended, still running, nothing to retry, …). */
export class Conflict extends DomainError {
  override readonly name = 'Conflict';
  constructor(
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Input that breaks a rule no schema could state (a date range in the business's time zone, a location of the
 * channel, a settings code the organisation does not have). Paths are relative to what was given; `where` says where
 * that was when the caller knows better than "the body".
 */
export class InvalidInput extends DomainError {
  override readonly name = 'InvalidInput';
  constructor(
    readonly problems: FieldProblem[],
    readonly title = 'Invalid request',
    readonly where: 'body' | 'query' | 'path' | 'header' = 'body',
  ) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
}

/** The business has no usable Xero connection for what was asked; `reconnect`: it had one that Xero refused. */
export class NotConnected extends DomainError {
  override readonly name = 'NotConnected';
  readonly title: string;
  constructor(
    message: string,
    readonly reconnect = false,
  ) {
    super(message);
    this.title = reconnect ? 'Reconnect Xero' : 'Not connected';
  }
}

/** What a request would send: what its range holds, and how much of it is already in Xero or voided. */
export interface RangeCounts {
  total: number;
  alreadySynced: number;
  voided: number;
  toSync: number;
}

/**
 * A request whose range has nothing to write (no orders, or every one already in Xero or voided): starting it would
 * only end as "Completed" having done nothing, so it is refused with the counts that say why.
 */
export class NothingToSend extends DomainError {
  override readonly name = 'NothingToSend';
  readonly title = 'Nothing to send';
  constructor(readonly counts: RangeCounts) {
    super(
      counts.total === 0
        ? 'No orders in this range; check the channel, location and dates.'
        : `Nothing to send: all ${counts.total} orders of this range are already in Xero (${counts.alreadySynced}) or voided (${counts.voided}).`,
    );
  }
}

/**
 * An undo the request's state refuses (docs/undo.md "Refusals"), with the problem `type` that names why:
 * request_open, orders_in_use, undo_running, nothing_to_undo.
 */
export class UndoRefused extends DomainError {
  override readonly name = 'UndoRefused';
  readonly title = 'Undo refused';
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** An Idempotency-Key sent again with a different request. */
export class IdempotencyKeyReused extends DomainError {
  override readonly name = 'IdempotencyKeyReused';
  readonly title = 'Idempotency-Key reused';
  constructor() {
    super(
      'was already used for a different request; send the same body to retry it, or a new key for a new request',
    );
  }
}

/** The workflow did not answer in time (no worker took the update): the caller should try again shortly. */
export class Busy extends DomainError {
  override readonly name = 'Busy';
  readonly title = 'Worker busy';
}
