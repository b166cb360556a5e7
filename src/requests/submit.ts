import { createHash, randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { callContextFor } from '../businesses/call-context';
import type { Config } from '../config';
import type { CreateSyncRequestBody } from '../contract';
import type { Db } from '../db/pool';
import {
  ALL_LOCATIONS,
  MANUAL_SYNC_WORKFLOW,
  PLAN_VERSION,
  SearchAttributes,
  stepHeartbeatMs,
} from '../definitions';
import type { ManualSyncInput, ManualSyncWorkflow } from '../definitions';
import { IdempotencyKeyReused, InvalidInput, NotConnected, NotFound, NothingToSend } from '../errors';
import { anyInvoiceToWrite, followUpsMayRemain, orderRangeOf, rangeCounts } from '../engine/plan';
import { openChangeCount } from '../engine/change-ledger';
import { summaryWorkRemains } from '../engine/summary-plan';
import { getBusiness, getLocation } from '../businesses/store';
import type { Business } from '../businesses/store';
import type { Contact } from 'xero-node';
import type { XeroGateway } from '../xero/gateway';
import { dateLabel, futureEndProblem } from '../calendar';
import { findByIdempotencyKey, getRequest, insertRequest } from './store';
import { postingOf, summaryProblems } from './posting';
import { refuseWhileUndoing } from './undo-overlap';
import type { NewRequest, RequestRow } from './store';

export interface SubmitDeps {
  cfg: Config;
  db: Db;
  temporal: Client;
  newXeroGateway: () => XeroGateway;
  now?: () => Date;
}

export function newRequestId(): string {
  return `sr_${randomBytes(10).toString('hex')}`;
}

/** The one retry of a request: every retry-failed call for it names the same request, so only one starts. */
export function retryRequestId(originalId: string): string {
  return `sr_${createHash('sha256').update(`retry\0${originalId}`).digest('hex').slice(0, 20)}`;
}

/** The same business and Idempotency-Key always name the same request, so Temporal's id policy dedupes too. */
function idempotentRequestId(businessId: string, key: string): string {
  return `sr_${createHash('sha256').update(`${businessId}\0${key}`).digest('hex').slice(0, 20)}`;
}

function bodyHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The body without its optional businessId, which may name only the key's own business: any other id is
 * answered as if it did not exist.
 */
export function ownRequest<B extends { businessId?: string }>(
  businessId: string,
  body: B,
): Omit<B, 'businessId'> {
  const { businessId: named, ...request } = body;
  if (named !== undefined && named !== businessId) throw new NotFound(`Business ${JSON.stringify(named)}`);
  return request;
}

export interface Submitted {
  input: ManualSyncInput;
  /** true: the Idempotency-Key matched an earlier submit; nothing new was started. */
  replayed: boolean;
}

/** Checks a request against the business's data, records it, then starts its workflow. */
export async function submitSyncRequest(
  deps: SubmitDeps,
  businessId: string,
  body: CreateSyncRequestBody,
  idempotencyKey?: string,
): Promise<Submitted> {
  const request = ownRequest(businessId, body);
  return startOnce(deps, businessId, request, idempotencyKey, async (requestId) => {
    const { input, contactName } = await buildInput(deps, businessId, request, requestId);
    await refuseWhileUndoing(deps.db, input);
    await refuseNothingToSend(deps.db, input);
    return { input, contactName };
  });
}

/**
 * A range with nothing to write (empty, or every order already in Xero or voided, with no change or follow-up left)
 * is refused with its counts. Each check stops at the first piece of work it finds; the counts are read only to
 * refuse, and then only the three the refusal carries (the full statistics are the prepare step's).
 */
async function refuseNothingToSend(db: Db, input: ManualSyncInput): Promise<void> {
  if (await anyInvoiceToWrite(db, input)) return;
  if (input.options.posting === 'daily-summary') {
    // A summary request writes no per-order follow-ups or changes: only its summaries' own work may be left.
    if (await summaryWorkRemains(db, input)) return;
  } else if (
    // Orders already in Xero may still have work: changes imported since (docs/revisions.md) or follow-ups. Only
    // changes of orders with their own invoice: a change of a summarised order is a daily-summary request's work.
    (await openChangeCount(db, orderRangeOf(input), 'invoice')) > 0 ||
    (await followUpsMayRemain(db, input))
  )
    return;
  const { total, alreadySynced, voided } = await rangeCounts(db, input);
  throw new NothingToSend({ total, alreadySynced, voided, toSync: 0 });
}

/**
 * Records and starts a request exactly once per id: with an Idempotency-Key the id is derived from it, and a
 * caller may fix one itself (a retry of a request has one retry id). A replay with the same body answers the
 * earlier request (starting its workflow if a crash came between the row and the start); a different body is
 * refused. Without either, a failed start removes the row so nothing is half-written.
 */
export async function startOnce(
  deps: SubmitDeps,
  businessId: string,
  request: unknown,
  idempotencyKey: string | undefined,
  build: (requestId: string) => Promise<NewRequest>,
  fixedId?: string,
): Promise<Submitted> {
  const idem = idempotencyKey ? { key: idempotencyKey, bodyHash: bodyHash(request) } : null;
  if (idem) {
    const earlier = await findByIdempotencyKey(deps.db, businessId, idem.key);
    if (earlier) return replay(deps, earlier, idem.bodyHash);
  }
  const requestId = fixedId ?? (idem ? idempotentRequestId(businessId, idem.key) : newRequestId());
  if (fixedId) {
    const earlier = await getRequest(deps.db, businessId, fixedId);
    if (earlier) return replay(deps, earlier, null);
  }
  const built = await build(requestId);
  const { input } = built;
  if (!(await insertRequest(deps.db, built, idem))) {
    const earlier = idem
      ? await findByIdempotencyKey(deps.db, businessId, idem.key)
      : await getRequest(deps.db, businessId, input.requestId);
    if (earlier) return replay(deps, earlier, idem?.bodyHash ?? null);
    throw new Error(`sync request ${input.requestId} already exists`);
  }
  try {
    await startWorkflow(deps, input);
  } catch (err) {
    if (!idem && !fixedId) await deps.db.query('DELETE FROM sync_requests WHERE id = $1', [input.requestId]);
    throw err;
  }
  return { input, replayed: false };
}

/** `hash`: the body hash an Idempotency-Key must match (null: the id alone decides, as for a retry). */
async function replay(deps: SubmitDeps, earlier: RequestRow, hash: string | null): Promise<Submitted> {
  if (hash !== null && earlier.bodyHash !== hash) throw new IdempotencyKeyReused();
  await startWorkflow(deps, earlier.input);
  return { input: earlier.input, replayed: true };
}

/** Starts the workflow, or leaves the one already started (running or closed) alone. */
async function startWorkflow(deps: SubmitDeps, input: ManualSyncInput): Promise<void> {
  try {
    await deps.temporal.workflow.start<ManualSyncWorkflow>(MANUAL_SYNC_WORKFLOW, {
      taskQueue: deps.cfg.TEMPORAL_TASK_QUEUE,
      workflowId: input.requestId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: initialSearchAttributes(input),
      staticSummary: summaryOf(input),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

function summaryOf(input: ManualSyncInput): string {
  const what = input.retryOf ? `Retry the failed orders of ${input.retryOf}:` : 'Sync';
  return `${what} ${input.channel} orders ${input.startDate}..${input.endDate} of ${input.businessId} to Xero`;
}

export function initialSearchAttributes(input: ManualSyncInput) {
  return [
    { key: SearchAttributes.businessId, value: input.businessId },
    { key: SearchAttributes.channel, value: input.channel },
    { key: SearchAttributes.locationId, value: input.locationId ?? ALL_LOCATIONS },
    { key: SearchAttributes.state, value: 'queued' },
    // Datetime attributes hold the local dates as calendar labels, so a Web UI filter reads in local dates.
    { key: SearchAttributes.rangeStart, value: dateLabel(input.startDate) },
    { key: SearchAttributes.rangeEnd, value: dateLabel(input.endDate) },
  ];
}

/**
 * The workflow input for a request, after every check against the business's data. `checkContact: false`
 * leaves the manual contact to the caller (the preview reports an archived one as a warning instead).
 */
export async function buildInput(
  deps: SubmitDeps,
  businessId: string,
  body: Omit<CreateSyncRequestBody, 'businessId'>,
  requestId: string,
  checkContact = true,
): Promise<{ input: ManualSyncInput; business: Business; contactName: string | null }> {
  const business = await getBusiness(deps.db, businessId);
  if (!business) throw new NotFound(`Business ${JSON.stringify(businessId)}`);
  if (!business.xeroTenantId)
    throw new NotConnected(`Business ${business.id} has no Xero organisation connected; connect it first.`);
  const future = futureEndProblem(body.endDate, business.timeZone, (deps.now ?? (() => new Date()))());
  if (future) throw new InvalidInput([future]);
  const posting = postingOf(body, business.settings);
  if (posting === 'daily-summary') {
    const problems = summaryProblems(body);
    if (problems.length) throw new InvalidInput(problems);
  }
  const locationId = body.locationId === 'all' ? null : body.locationId;
  if (locationId !== null) await checkLocation(deps.db, business.id, locationId, body.channel);
  const contactName =
    checkContact && body.contactMapping.mode === 'manual'
      ? await checkManualContact(deps, business, body.contactMapping.contactId)
      : null;
  const input: ManualSyncInput = {
    requestId,
    businessId: business.id,
    channel: body.channel,
    locationId,
    startDate: body.startDate,
    endDate: body.endDate,
    timeZone: business.timeZone,
    contactMapping: body.contactMapping,
    planVersion: PLAN_VERSION,
    stepHeartbeatMs: stepHeartbeatMs(deps.cfg),
    options: {
      invoiceStatus: body.options.invoiceStatus ?? business.settings.invoiceStatus,
      recordPayments: body.options.recordPayments,
      resyncPolicy: body.options.resyncPolicy,
      // Only when asked, so the input of a request that does not ask stays as it always was.
      ...(body.options.changesOnly ? { changesOnly: true } : {}),
      ...(posting === 'daily-summary' ? { posting } : {}),
    },
  };
  return { input, business, contactName };
}

async function checkLocation(db: Db, businessId: string, locationId: string, channel: string): Promise<void> {
  const location = await getLocation(db, businessId, locationId);
  const fieldError = (message: string) => new InvalidInput([{ path: 'locationId', message }]);
  if (!location)
    throw fieldError(
      `location ${JSON.stringify(locationId)} does not exist for this business; use a known location id or "all"`,
    );
  if (!location.channels.includes(channel)) {
    throw fieldError(
      `location ${JSON.stringify(locationId)} has no ${channel} orders (its channels: ${location.channels.join(', ') || 'none'}); pick a location of that channel or "all"`,
    );
  }
}

/**
 * A manual contact must exist in the organisation and be active, or every invoice of the request would fail.
 * Answers its name, which the request's row and detail show.
 */
async function checkManualContact(deps: SubmitDeps, business: Business, contactId: string): Promise<string> {
  const contact = await findContact(deps, business, contactId);
  const fail = (message: string) => new InvalidInput([{ path: 'contactMapping.contactId', message }]);
  if (!contact)
    throw fail(
      `no contact ${contactId} exists in the connected Xero organisation; pick one from GET /api/xero/contacts`,
    );
  if (String(contact.contactStatus ?? 'ACTIVE') !== 'ACTIVE') {
    throw fail(
      `Xero contact "${contact.name}" is ${String(contact.contactStatus).toLowerCase()}; unarchive it in Xero or pick an active contact`,
    );
  }
  return contact.name ?? contactId;
}

/** The organisation's contact with this id (one read call through the gateway), or undefined. */
export async function findContact(
  deps: SubmitDeps,
  business: Business,
  contactId: string,
): Promise<Contact | undefined> {
  // Through the limiter like every call, and within the business's reserve like every call of this service.
  const contacts = await deps.newXeroGateway().getContactsByIds(callContextFor(business), [contactId]);
  return contacts.find((c) => c.contactID === contactId);
}
