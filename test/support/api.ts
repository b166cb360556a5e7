import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../src/api/app';
import type { createApp } from '../../src/api/app';

/**
 * An HTTP client for the API under test that checks every answer against the OpenAPI document the API serves:
 * the status must be documented for the operation, and the body must match that response's schema.
 */
interface OpenApiOperation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
type OpenApiDoc = { paths: Record<string, Record<string, OpenApiOperation>> };

const doc = openApiDocument() as unknown as OpenApiDoc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validators = new Map<string, ValidateFunction>();

function templateOf(method: string, pathname: string): string {
  const candidates = Object.keys(doc.paths).filter((template) => {
    if (!doc.paths[template]![method]) return false;
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return pattern.test(pathname);
  });
  // A literal segment beats a parameter: /api/sync-requests/preview is not /api/sync-requests/{id}.
  candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  const template = candidates[0];
  if (!template) throw new Error(`${method.toUpperCase()} ${pathname} is not in the OpenAPI document`);
  return template;
}

export function checkAgainstOpenApi(
  method: string,
  pathname: string,
  status: number,
  contentType: string,
  body: unknown,
): void {
  const template = templateOf(method, pathname);
  const response = doc.paths[template]![method]!.responses[String(status)];
  if (!response)
    throw new Error(
      `${method.toUpperCase()} ${template} answered ${status}, which the OpenAPI document does not list`,
    );
  if (!response.content) return;
  const mediaType = contentType.split(';')[0]!.trim();
  const media = response.content[mediaType];
  if (!media)
    throw new Error(`${method.toUpperCase()} ${template} ${status} answered ${mediaType}, not documented`);
  const key = `${method} ${template} ${status} ${mediaType}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(media.schema);
    validators.set(key, validate);
  }
  if (!validate(body))
    throw new Error(
      `${method.toUpperCase()} ${template} ${status} does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`,
    );
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiClient {
  request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { body?: unknown; rawBody?: string; headers?: Record<string, string>; key?: string | null },
  ): Promise<ApiResponse<T>>;
  get<T = Record<string, unknown>>(path: string, key?: string | null): Promise<ApiResponse<T>>;
  post<T = Record<string, unknown>>(
    path: string,
    body?: unknown,
    options?: { headers?: Record<string, string>; key?: string | null },
  ): Promise<ApiResponse<T>>;
}

/** `key`: the default API key (per call: a key, or null for none). */
export function apiClient(baseUrl: string, key?: string): ApiClient {
  const request: ApiClient['request'] = async (method, path, options = {}) => {
    const useKey = options.key === undefined ? key : options.key;
    const headers: Record<string, string> = { ...options.headers };
    if (useKey) headers.authorization = `Bearer ${useKey}`;
    const hasBody = options.body !== undefined || options.rawBody !== undefined;
    if (hasBody) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      redirect: 'manual',
    });
    const contentType = res.headers.get('content-type') ?? '';
    const text = await res.text();
    const body = contentType.includes('json') && text ? (JSON.parse(text) as unknown) : text;
    checkAgainstOpenApi(
      method.toLowerCase(),
      new URL(res.url || `${baseUrl}${path}`).pathname,
      res.status,
      contentType,
      body,
    );
    return { status: res.status, headers: res.headers, body: body as never };
  };
  return {
    request,
    get: (path, k) => request('GET', path, { key: k }),
    post: (path, body, options = {}) => request('POST', path, { body, ...options }),
  };
}

/**
 * fetch() for the API under test when a test needs the raw Response (redirects, HTML): the answer is checked
 * against the OpenAPI document like the client's, then handed back unconsumed.
 */
export async function checkedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  const body = contentType.includes('json') && text ? (JSON.parse(text) as unknown) : text;
  checkAgainstOpenApi(
    (init.method ?? 'GET').toLowerCase(),
    new URL(url).pathname,
    res.status,
    contentType,
    body,
  );
  return new Response(text || null, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** Serves an API app (createApp's) on a free loopback port: for a test that needs an API set up apart from its system's. */
export async function serveApp(
  app: ReturnType<typeof createApp>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
