import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { CreateSyncRequestBody } from '../api/sync-requests/schemas';
import { ApiError, notFound } from '../api/errors';
import type { Config } from '../config';
import type { Db } from '../db/pool';
import { ALL_LOCATIONS, MANUAL_SYNC_WORKFLOW, SearchAttributes } from '../definitions';
import type { ManualSyncInput } from '../definitions';
import { getBusiness, getLocation } from '../businesses/store';
import type { Business } from '../businesses/store';
import type { XeroGateway } from '../xero/gateway';
import { validateDateRange } from '../sync/planning';

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

/** Checks a request against the business's data, then starts its workflow. */
export async function submitSyncRequest(
  deps: SubmitDeps,
  body: CreateSyncRequestBody,
): Promise<ManualSyncInput> {
  const input = await buildInput(deps, body, newRequestId());
  await deps.temporal.workflow.start(MANUAL_SYNC_WORKFLOW, {
    taskQueue: deps.cfg.TEMPORAL_TASK_QUEUE,
    workflowId: input.requestId,
    args: [input],
    typedSearchAttributes: initialSearchAttributes(input),
    staticSummary: `Sync ${input.channel} orders ${input.startDate}..${input.endDate} of ${input.businessId} to Xero`,
  });
  return input;
}

export function initialSearchAttributes(input: ManualSyncInput) {
  return [
    { key: SearchAttributes.businessId, value: input.businessId },
    { key: SearchAttributes.channel, value: input.channel },
    { key: SearchAttributes.locationId, value: input.locationId ?? ALL_LOCATIONS },
    { key: SearchAttributes.state, value: 'queued' },
    { key: SearchAttributes.rangeStart, value: new Date(`${input.startDate}T00:00:00Z`) },
    { key: SearchAttributes.rangeEnd, value: new Date(`${input.endDate}T00:00:00Z`) },
  ];
}

async function buildInput(
  deps: SubmitDeps,
  body: CreateSyncRequestBody,
  requestId: string,
): Promise<ManualSyncInput> {
  const business = await getBusiness(deps.db, body.businessId);
  if (!business) throw notFound(`Business ${JSON.stringify(body.businessId)}`);
  if (!business.xeroTenantId) {
    throw new ApiError(
      409,
      'Not connected',
      `Business ${business.id} has no Xero organisation connected; connect it first.`,
    );
  }
  const problems = validateDateRange(
    body.startDate,
    body.endDate,
    business.timeZone,
    (deps.now ?? (() => new Date()))(),
  );
  if (problems.length > 0) {
    const errors = problems.map((p) => ({ path: `body.${p.field}`, message: p.message }));
    throw new ApiError(
      400,
      'Invalid request',
      errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      errors,
    );
  }
  const locationId = body.locationId === 'all' ? null : body.locationId;
  if (locationId !== null) await checkLocation(deps.db, business.id, locationId, body.channel);
  if (body.contactMapping.mode === 'manual') {
    await checkManualContact(deps, business, body.contactMapping.contactId);
  }
  return {
    requestId,
    businessId: business.id,
    channel: body.channel,
    locationId,
    startDate: body.startDate,
    endDate: body.endDate,
    timeZone: business.timeZone,
    batchDays: deps.cfg.SYNC_BATCH_DAYS,
    contactMapping: body.contactMapping,
    callsPerMinute: deps.cfg.XERO_MINUTE_BUDGET,
    dailyReserve: business.settings.dailyQuotaReserve,
    options: {
      invoiceStatus: body.options.invoiceStatus ?? business.settings.invoiceStatus,
      recordPayments: body.options.recordPayments,
      resyncPolicy: body.options.resyncPolicy,
    },
  };
}

async function checkLocation(db: Db, businessId: string, locationId: string, channel: string): Promise<void> {
  const location = await getLocation(db, businessId, locationId);
  const fieldError = (message: string) =>
    new ApiError(400, 'Invalid request', `body.locationId: ${message}`, [
      { path: 'body.locationId', message },
    ]);
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

/** A manual contact must exist in the organisation and be active, or every invoice of the request would fail. */
async function checkManualContact(deps: SubmitDeps, business: Business, contactId: string): Promise<void> {
  const ctx = { businessId: business.id, tenantId: business.xeroTenantId!, dailyReserve: 0 };
  const contacts = await deps.newXeroGateway().getContactsByIds(ctx, [contactId]);
  const contact = contacts.find((c) => c.contactID === contactId);
  const path = 'body.contactMapping.contactId';
  const fail = (message: string) =>
    new ApiError(400, 'Invalid request', `${path}: ${message}`, [{ path, message }]);
  if (!contact)
    throw fail(
      `no contact ${contactId} exists in the connected Xero organisation; pick one from GET /api/xero/contacts`,
    );
  if (String(contact.contactStatus ?? 'ACTIVE') !== 'ACTIVE') {
    throw fail(
      `Xero contact "${contact.name}" is ${String(contact.contactStatus).toLowerCase()}; unarchive it in Xero or pick an active contact`,
    );
  }
}
