import type { NextFunction, Request, Response, Router } from 'express';
import type { z } from 'zod';
import { InvalidInput } from '../errors';
import type { FieldProblem } from '../errors';
import { unprintableFields } from '../text';
import { businessOf, pageCallerFrom } from './auth';
import { ApiError } from './errors';

/**
 * One HTTP operation, described once: its schemas validate the request here and generate the OpenAPI
 * document (src/api/openapi), so the document cannot drift from what the code accepts and answers.
 */
export interface Operation<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  H extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path, e.g. /api/sync-requests/:id */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** false: no API key needed (health checks, docs). */
  auth: boolean;
  /** true: the merchant page's session may call it too (src/api/page), not only an API key. */
  session?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  headers?: H;
  responses: Record<number, ResponseSpec>;
}

/** An OpenAPI link: which operation can follow this answer, with which of its values as parameters. */
export interface LinkSpec {
  operationId: string;
  /** Parameter name -> runtime expression, e.g. { id: '$response.body#/id' }. */
  parameters: Record<string, string>;
  description?: string;
}

export interface ResponseSpec {
  description: string;
  /** Operations that can follow this answer (they let a fuzzer's stateful phase walk the workflow). */
  links?: Record<string, LinkSpec>;
  /** Absent: no body (or a redirect). */
  schema?: z.ZodType;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Input<P, Q, B, H> {
  params: P;
  query: Q;
  body: B;
  headers: H;
  /** The authenticated key's business ('' on operations without auth). */
  businessId: string;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

/** The body an operation's response `status` declares: what its handler must answer (z.input of its schema). */
export type ResponseBody<O extends Operation, S extends keyof O['responses']> = O['responses'][S] extends {
  schema: infer Z extends z.ZodType;
}
  ? z.input<Z>
  : never;

/**
 * Answers with the status and JSON body the operation declares: the response schema types the handler's output,
 * so a handler cannot answer what the document does not describe.
 */
export function reply<O extends Operation, S extends keyof O['responses'] & number>(
  res: Response,
  _op: O,
  status: S,
  body: ResponseBody<O, S>,
): void {
  res.status(status).json(body);
}
type Handler<P, Q, B, H> = (input: Input<P, Q, B, H>, res: Response, req: Request) => Promise<void>;

type Part = InvalidInput['where'];

/** zod's issues as field problems: each names the field's path and what to do. */
function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

function parsePart(schema: z.ZodType | undefined, value: unknown, where: Part): unknown {
  if (!schema) return undefined;
  // Before any schema: a NUL or control character is refused the same way in every field (and key).
  const unprintable = unprintableFields(value ?? {});
  if (unprintable.length)
    throw new InvalidInput(
      unprintable.map((u) => ({ path: u.path.join('.'), message: u.message })),
      undefined,
      where,
    );
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new InvalidInput(fieldProblems(result.error), undefined, where);
}

/** An operation with a body needs one, as JSON: no body is a 400, another media type a 415. */
function requireJsonBody(req: Request): void {
  if (req.body !== undefined) return;
  const sent = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (sent)
    throw new ApiError(
      415,
      'Unsupported Media Type',
      `The body must be JSON (content-type: application/json), not ${JSON.stringify(req.get('content-type') ?? 'none')}.`,
    );
  throw new InvalidInput([
    { path: '', message: 'is required: send a JSON object (content-type: application/json)' },
  ]);
}

function lowerCaseHeaders(req: Request): Record<string, string> {
  return Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

/** Mounts an operation on a router: validation of every part of the request, then the handler. */
export function mount<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, H extends z.ZodType>(
  router: Router,
  op: Operation<P, Q, B, H>,
  handler: Handler<Out<P>, Out<Q>, Out<B>, Out<H>>,
): void {
  router[op.method](op.path, (req: Request, res: Response, next: NextFunction) => {
    const run = async () => {
      // A page session reaches only what the page uses; anything else needs the platform's API key.
      if (op.auth && !op.session && pageCallerFrom(res))
        throw new ApiError(401, 'Unauthorized', `${op.method.toUpperCase()} ${op.path} needs an API key.`);
      if (op.body) requireJsonBody(req);
      const input = {
        params: parsePart(op.params, req.params, 'path'),
        query: parsePart(op.query, req.query, 'query'),
        body: parsePart(op.body, op.body ? req.body : undefined, 'body'),
        // Only an operation with a headers schema reads them (a progress poll has none: nothing to copy).
        headers: op.headers ? parsePart(op.headers, lowerCaseHeaders(req), 'header') : undefined,
        businessId: op.auth ? businessOf(res) : '',
      } as Input<Out<P>, Out<Q>, Out<B>, Out<H>>;
      await handler(input, res, req);
    };
    run().catch(next);
  });
}
