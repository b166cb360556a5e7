import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import { InputText, Problem } from '../../contract';
import type { Db } from '../../db/pool';
import { NotFound } from '../../errors';
import {
  MAX_ENDPOINTS_PER_BUSINESS,
  registerEndpoint,
  requireEndpoint,
  rotateEndpointSecret,
} from '../../webhooks/endpoints';
import {
  EVENT_DESCRIPTIONS,
  WEBHOOK_EVENT_TYPES,
  ConnectionEventPayload,
  WebhookEventPayload,
  WebhookEventType,
} from '../../webhooks/events';
import { deleteEndpoint, listDeliveries, listEndpoints } from '../../webhooks/store';
import type { DeliveryView, EndpointRow } from '../../webhooks/store';
import { requireTokenCipher } from '../../xero/token-crypto';
import type { WebhookSpec } from '../openapi/document';
import { mount, reply } from '../operation';
import type { Operation } from '../operation';

/**
 * A business's webhook endpoints, under its API key: register (the secret is shown once), list, rotate the
 * secret, delete, and each endpoint's delivery log. Another business's endpoint answers 404.
 */
const BASE = '/api/webhook-endpoints';
const tag = 'Webhooks';

const EndpointParams = z.object({
  id: z.string().regex(/^wh_[a-z0-9]+$/, 'must be a webhook endpoint id such as "wh_3f2a…"'),
});

export const CreateEndpointBody = z
  .object({
    url: InputText(2048, 'is required: the https URL to POST events to').describe(
      'Where events are POSTed: https, on a public address (WEBHOOK_ALLOW_PRIVATE_URLS=true also allows http and ' +
        'private or loopback addresses, for development).',
    ),
    events: z
      .array(WebhookEventType)
      .min(1, 'must name at least one event, or be left out for all of them')
      .max(20)
      .optional()
      .describe('The events to receive; all of them when left out.'),
    description: InputText(200, 'must not be empty').optional(),
  })
  .strict();

const EndpointView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEventType),
  description: z.string().nullable(),
  createdAt: z.string(),
  secretRotatedAt: z.string().nullable(),
  previousSecretExpiresAt: z
    .string()
    .nullable()
    .describe('After a rotation: until then the previous secret signs too (a second `v1,…` signature).'),
  links: z.object({ self: z.string(), deliveries: z.string(), rotateSecret: z.string() }),
});

const EndpointWithSecret = EndpointView.extend({
  secret: z
    .string()
    .describe(
      'The signing secret (whsec_…), shown only in this answer: keep it to verify webhook-signature.',
    ),
});

const Attempt = z.object({
  attempt: z.number().int(),
  startedAt: z.string(),
  durationMs: z.number().int(),
  statusCode: z.number().int().nullable().describe('The endpoint’s answer; null when there was none.'),
  error: z.string().nullable().describe('Why the attempt failed (a status, a timeout, a refused address).'),
});

const DeliveryStatus = z.enum(['pending', 'delivered', 'failed']);

const Delivery = z.object({
  id: z.string(),
  eventId: z.string().describe('The webhook-id the endpoint received.'),
  eventType: WebhookEventType,
  requestId: z.string().nullable().describe('The request the event is about; null for a connection event.'),
  status: DeliveryStatus.describe('pending: still trying; delivered: a 2xx came back; failed: given up.'),
  attemptCount: z.number().int(),
  nextAttemptAt: z.string().nullable().describe('When the next attempt is due (pending only).'),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  attempts: z.array(Attempt),
});

const DeliveriesQuery = z
  .object({
    status: DeliveryStatus.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z
      .string()
      .regex(/^[1-9]\d{0,17}$/, 'is not a cursor this API gave out; pass `nextCursor` from the previous page')
      .optional(),
  })
  .strict();

const DeliveriesPage = z.object({ deliveries: z.array(Delivery), nextCursor: z.string().nullable() });

const notFound = { description: 'No such endpoint for this key’s business.', schema: Problem };

export const webhookOperations = {
  create: {
    method: 'post',
    path: BASE,
    operationId: 'createWebhookEndpoint',
    summary: 'Register a webhook endpoint',
    description:
      'Events are POSTed as JSON, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature: ' +
      'HMAC-SHA256 with the secret in this answer, shown only here). Delivered at least once, retried with ' +
      `exponential backoff for up to 24 hours. At most ${MAX_ENDPOINTS_PER_BUSINESS} endpoints per business.`,
    tag,
    auth: true,
    body: CreateEndpointBody,
    responses: {
      201: {
        description: 'Registered; the secret is in this answer only.',
        schema: EndpointWithSecret,
        headers: { Location: 'The endpoint’s URL.' },
      },
      409: {
        description: `The business already has ${MAX_ENDPOINTS_PER_BUSINESS} endpoints.`,
        schema: Problem,
      },
    },
  },
  list: {
    method: 'get',
    path: BASE,
    operationId: 'listWebhookEndpoints',
    summary: 'The business’s webhook endpoints (never their secrets)',
    tag,
    auth: true,
    responses: {
      200: { description: 'Oldest first.', schema: z.object({ endpoints: z.array(EndpointView) }) },
    },
  },
  get: {
    method: 'get',
    path: `${BASE}/:id`,
    operationId: 'getWebhookEndpoint',
    summary: 'One webhook endpoint',
    tag,
    auth: true,
    params: EndpointParams,
    responses: { 200: { description: 'The endpoint.', schema: EndpointView }, 404: notFound },
  },
  delete: {
    method: 'delete',
    path: `${BASE}/:id`,
    operationId: 'deleteWebhookEndpoint',
    summary: 'Delete a webhook endpoint and its delivery log',
    description: 'Deliveries still retrying stop at their next attempt.',
    tag,
    auth: true,
    params: EndpointParams,
    responses: { 204: { description: 'Deleted.' }, 404: notFound },
  },
  rotateSecret: {
    method: 'post',
    path: `${BASE}/:id/rotate-secret`,
    operationId: 'rotateWebhookSecret',
    summary: 'Replace the signing secret',
    description:
      'Answers the new secret (shown only here). For 24 hours the previous secret signs beside it (a second ' +
      '`v1,…` in webhook-signature), so receivers can switch without missing an event.',
    tag,
    auth: true,
    params: EndpointParams,
    responses: { 200: { description: 'The new secret.', schema: EndpointWithSecret }, 404: notFound },
  },
  deliveries: {
    method: 'get',
    path: `${BASE}/:id/deliveries`,
    operationId: 'listWebhookDeliveries',
    summary: 'The endpoint’s delivery log',
    description:
      'Newest first: each event sent to this endpoint, its status, every attempt and the next one.',
    tag,
    auth: true,
    params: EndpointParams,
    query: DeliveriesQuery,
    responses: { 200: { description: 'A page of deliveries.', schema: DeliveriesPage }, 404: notFound },
  },
} satisfies Record<string, Operation>;

function viewOf(e: EndpointRow): z.input<typeof EndpointView> {
  const self = `${BASE}/${e.id}`;
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    description: e.description,
    createdAt: e.createdAt.toISOString(),
    secretRotatedAt: e.secretRotatedAt?.toISOString() ?? null,
    previousSecretExpiresAt: e.previousExpiresAt?.toISOString() ?? null,
    links: { self, deliveries: `${self}/deliveries`, rotateSecret: `${self}/rotate-secret` },
  };
}

function deliveryOf(d: DeliveryView): z.input<typeof Delivery> {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    requestId: d.requestId,
    status: d.status,
    attemptCount: d.attemptCount,
    nextAttemptAt: d.status === 'pending' ? (d.nextAttemptAt?.toISOString() ?? null) : null,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    attempts: d.attempts.map((a) => ({ ...a, startedAt: a.startedAt.toISOString() })),
  };
}

export function webhookRoutes(deps: { cfg: Config; db: Db }): Router {
  const router = Router();
  // Created on first use: mounting the routes needs no key (the OpenAPI test mounts them with none).
  let cipher: ReturnType<typeof requireTokenCipher> | undefined;
  const endpointDeps = () => ({
    db: deps.db,
    cipher: (cipher ??= requireTokenCipher(deps.cfg)),
    policy: { allowPrivate: deps.cfg.WEBHOOK_ALLOW_PRIVATE_URLS },
  });

  mount(router, webhookOperations.create, async ({ businessId, body }, res) => {
    const { endpoint, secret } = await registerEndpoint(endpointDeps(), businessId, body);
    res.location(`${BASE}/${endpoint.id}`);
    reply(res, webhookOperations.create, 201, { ...viewOf(endpoint), secret });
  });

  mount(router, webhookOperations.list, async ({ businessId }, res) => {
    const endpoints = await listEndpoints(deps.db, businessId);
    reply(res, webhookOperations.list, 200, { endpoints: endpoints.map(viewOf) });
  });

  mount(router, webhookOperations.get, async ({ businessId, params }, res) => {
    reply(res, webhookOperations.get, 200, viewOf(await requireEndpoint(deps.db, businessId, params.id)));
  });

  mount(router, webhookOperations.delete, async ({ businessId, params }, res) => {
    if (!(await deleteEndpoint(deps.db, businessId, params.id)))
      throw new NotFound(`Webhook endpoint ${JSON.stringify(params.id)}`);
    res.status(204).end();
  });

  mount(router, webhookOperations.rotateSecret, async ({ businessId, params }, res) => {
    const { endpoint, secret } = await rotateEndpointSecret(endpointDeps(), businessId, params.id);
    reply(res, webhookOperations.rotateSecret, 200, { ...viewOf(endpoint), secret });
  });

  mount(router, webhookOperations.deliveries, async ({ businessId, params, query }, res) => {
    await requireEndpoint(deps.db, businessId, params.id);
    const page = await listDeliveries(deps.db, params.id, {
      status: query.status,
      limit: query.limit + 1,
      before: query.cursor,
    });
    const shown = page.slice(0, query.limit);
    reply(res, webhookOperations.deliveries, 200, {
      deliveries: shown.map(deliveryOf),
      nextCursor: page.length > query.limit ? shown[shown.length - 1]!.seq : null,
    });
  });
  return router;
}

/** The events, as the OpenAPI document's `webhooks`: what a receiver gets, and the headers to verify it by. */
export const webhookEventSpecs: readonly WebhookSpec[] = WEBHOOK_EVENT_TYPES.map((type) => ({
  name: type,
  summary: type,
  description: EVENT_DESCRIPTIONS[type],
  headers: {
    'webhook-id': 'The event id (evt_…): the same on every retry of the event, so de-duplicate on it.',
    'webhook-timestamp': 'Unix seconds of this attempt; refuse one far from your clock (replays).',
    'webhook-signature':
      'Standard Webhooks: `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">` keyed by the ' +
      'base64-decoded secret after `whsec_`; space-separated when two secrets sign (after a rotation).',
  },
  body:
    type === 'xero_connection.needs_reconnect'
      ? ConnectionEventPayload
      : WebhookEventPayload.extend({ type: z.literal(type) }),
}));
