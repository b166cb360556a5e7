import { z } from 'zod';
import type { Operation } from '../operation';
import { Problem } from '../../contract';

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests (JSON Schema 2020-12 is
 * OpenAPI 3.1's schema dialect, so zod's output is used as is, minus the `$schema` line).
 */
type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(op: Operation): JsonSchema[] {
  const parts: Array<[z.ZodType | undefined, 'path' | 'query' | 'header']> = [
    [op.params, 'path'],
    [op.query, 'query'],
    [op.headers, 'header'],
  ];
  return parts.flatMap(([schema, where]) => {
    if (!schema) return [];
    const object = jsonSchema(schema, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    return Object.entries(object.properties ?? {}).map(([name, property]) => {
      const { description, ...propertySchema } = property;
      return {
        name: where === 'header' ? headerName(name) : name,
        in: where,
        required: where === 'path' || (object.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: propertySchema,
      };
    });
  });
}

/** Header schemas use lower-case keys (Node lower-cases them); the document shows the usual spelling. */
function headerName(lower: string): string {
  return lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

const STANDARD_ERRORS: Record<number, string> = {
  400: 'The request is invalid; `errors` names each offending field and what to do.',
  401: 'No API key, or an unknown or revoked one (and no page session where the page may call it).',
  403: 'A page session’s write without the page’s CSRF token, or from another site.',
  404: 'Not found, or it belongs to another business.',
  413: 'The request body is over the size limit.',
  415: 'The body is not JSON in UTF-8 (content-type, charset or content-encoding).',
  431: 'The request’s headers are over the server’s limit in all (16 KB unless Node is told otherwise), cookies included; send fewer or smaller headers.',
  500: 'Unexpected error; quote the `errorId`, which is also in the log.',
  503: 'PostgreSQL or Temporal is down or did not answer in time; retry after `Retry-After` seconds.',
};

/** Operations that answer from this process alone: no database, no Temporal, so no 503 of theirs. */
// /metrics reads PostgreSQL, but serves without it (the request gauges are then left out).
const SELF_CONTAINED = new Set(['health', 'openapi', 'docs', 'metrics']);

function appliesTo(op: Operation, code: number): boolean {
  switch (code) {
    case 400:
      return hasInput(op);
    case 401:
      return op.auth;
    case 403:
      return Boolean(op.session) && op.method !== 'get';
    case 413:
    case 415:
      return Boolean(op.body);
    case 503:
      return !SELF_CONTAINED.has(op.operationId);
    default:
      return true;
  }
}

function responses(op: Operation): JsonSchema {
  const out: JsonSchema = {};
  const all = { ...op.responses };
  for (const [status, description] of Object.entries(STANDARD_ERRORS)) {
    const code = Number(status);
    if (!appliesTo(op, code) || all[code]) continue;
    all[code] = {
      description,
      schema: Problem,
      ...(code === 503 ? { headers: { 'Retry-After': 'Seconds to wait before retrying.' } } : {}),
    };
  }
  for (const [status, spec] of Object.entries(all)) {
    const contentType =
      spec.contentType ?? (Number(status) >= 400 ? 'application/problem+json' : 'application/json');
    out[status] = {
      description: spec.description,
      ...(spec.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(spec.headers).map(([name, d]) => [
                name,
                { description: d, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(spec.schema ? { content: { [contentType]: { schema: jsonSchema(spec.schema, 'output') } } } : {}),
      ...(spec.links ? { links: spec.links } : {}),
    };
  }
  return out;
}

function hasInput(op: Operation): boolean {
  return Boolean(op.params || op.query || op.body || op.headers);
}

function operationObject(op: Operation): JsonSchema {
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    ...(op.auth ? (op.session ? { security: [{ apiKey: [] }, { pageSession: [] }] } : {}) : { security: [] }),
    parameters: parameters(op),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(op.body, 'input') } },
          },
        }
      : {}),
    responses: responses(op),
  };
}

/** A webhook this API sends (OpenAPI 3.1 `webhooks`): the request the receiver gets. */
export interface WebhookSpec {
  name: string;
  summary: string;
  description: string;
  headers: Record<string, string>;
  body: z.ZodType;
}

function webhookObject(w: WebhookSpec): JsonSchema {
  return {
    post: {
      summary: w.summary,
      description: w.description,
      tags: ['Webhooks'],
      parameters: Object.entries(w.headers).map(([name, description]) => ({
        name,
        in: 'header',
        required: true,
        description,
        schema: { type: 'string' },
      })),
      requestBody: {
        required: true,
        content: { 'application/json': { schema: jsonSchema(w.body, 'output') } },
      },
      responses: {
        '2XX': { description: 'Received. Anything else (or no answer within the timeout) is retried.' },
      },
    },
  };
}

export function buildOpenApiDocument(
  operations: readonly Operation[],
  version: string,
  webhooks: readonly WebhookSpec[] = [],
): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of operations) {
    const path = openApiPath(op.path);
    paths[path] = { ...paths[path], [op.method]: operationObject(op) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'xero-manual-sync',
      version,
      description:
        'Push a business’s historical sales orders into Xero, durably. Every /api endpoint needs ' +
        '`Authorization: Bearer <API key>`; a key sees only its own business. Errors are application/problem+json.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: xms_…' },
        pageSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'xms_session',
          description:
            'The merchant page’s session (opened by a page link, POST /api/page-links; named __Host-xms_session ' +
            'over TLS). Writes also need the page’s X-CSRF-Token.',
        },
      },
    },
    paths,
    ...(webhooks.length
      ? { webhooks: Object.fromEntries(webhooks.map((w) => [w.name, webhookObject(w)])) }
      : {}),
  };
}
