import { randomUUID } from 'node:crypto';

/** A response produced by the simulator: status, JSON body and extra headers. */
export interface ApiResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Identity/API-gateway errors (401/403/429) use Xero's problem-details shape, not the Accounting API's Error. */
export function problem(status: number, title: string, detail: string): ApiResult {
  return {
    status,
    body: {
      Type: null,
      Title: title,
      Status: status,
      Detail: detail,
      Instance: randomUUID(),
      Extensions: {},
    },
  };
}

export function unauthorized(detail: string, description?: string): ApiResult {
  const result = problem(401, 'Unauthorized', detail);
  const error = description ? `, error="invalid_token", error_description="${description}"` : '';
  result.headers = { 'WWW-Authenticate': `Bearer realm="api.xero.com"${error}` };
  return result;
}

export function forbidden(): ApiResult {
  return problem(403, 'Forbidden', 'AuthorizationUnsuccessful');
}

/**
 * A call outside the token's scopes: 403, as Xero answers a granular token writing without the scope
 * (XeroAPI/xero-mcp-server#209), with RFC 6750's insufficient_scope in WWW-Authenticate (Xero sends it there,
 * community.xero.com/developer/discussion/119166525). The body's Detail is a guess.
 */
export function insufficientScope(): ApiResult {
  const result = forbidden();
  result.headers = { 'WWW-Authenticate': 'Bearer realm="api.xero.com", error="insufficient_scope"' };
  return result;
}

/** The Accounting API's own error object (components/schemas/Error). */
export function xeroError(
  status: number,
  errorNumber: number,
  type: string,
  message: string,
  elements?: unknown[],
): ApiResult {
  const body: Record<string, unknown> = { ErrorNumber: errorNumber, Type: type, Message: message };
  if (elements) body.Elements = elements;
  return { status, body };
}

export function validationException(elements: unknown[]): ApiResult {
  return xeroError(400, 10, 'ValidationException', 'A validation exception occurred', elements);
}

export function badRequest(message: string): ApiResult {
  return xeroError(400, 10, 'ValidationException', message);
}

export function queryParseException(message: string): ApiResult {
  return xeroError(400, 16, 'QueryParseException', message);
}

/** Xero's answer to a list GET it deems inefficient on a high-volume organisation (see high-volume.ts). */
export function highVolumeException(resource: string, singular: string): ApiResult {
  return xeroError(
    400,
    51,
    'HighVolumeException',
    `Your request is not filtering ${resource} efficiently, given the extremely high volume for this organisation. Please check https://developer.xero.com/documentation/api/efficient-data-retrieval for tips on making ${singular} retrieval more efficient.`,
  );
}

export function notFound(): ApiResult {
  return { status: 404, body: "The resource you're looking for cannot be found" };
}

/** Thrown inside handlers to answer with a prepared result. */
export class ApiError extends Error {
  constructor(readonly result: ApiResult) {
    super(`Xero simulator error ${result.status}`);
  }
}
