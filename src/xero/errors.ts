/**
 * The one place xero-node failures are parsed and classified.
 *
 * xero-node rejects API calls with a JSON *string* `{"response":{"statusCode","headers","body"},"body"}` (statusCode
 * 0 for a network failure); axios/network failures can also arrive as Error objects. Both may carry request config,
 * Authorization headers and tokens, so nothing is copied wholesale: the error keeps only the status, Xero's own
 * message and validation messages, and the rate-limit headers. It has no `cause`.
 */

export type XeroErrorKind =
  | 'minute-limit'
  | 'day-limit'
  | 'concurrent-limit'
  | 'unauthorized'
  | 'forbidden'
  | 'validation'
  | 'not-found'
  | 'high-volume'
  | 'transient'
  | 'client-error';

export interface RateLimitHeaders {
  dayRemaining?: number;
  minRemaining?: number;
  appMinRemaining?: number;
}

interface XeroApiErrorFields {
  kind: XeroErrorKind;
  status: number;
  xeroMessage: string;
  validationErrors: string[];
  retryAfterSeconds?: number;
  rateLimitProblem?: string;
  dayLimitRemaining?: number;
  minLimitRemaining?: number;
  /** A 403 whose WWW-Authenticate says `error="insufficient_scope"`: the token lacks the call's scope (RFC 6750). */
  insufficientScope?: true;
}

export class XeroApiError extends Error implements XeroApiErrorFields {
  override readonly name = 'XeroApiError';
  readonly kind: XeroErrorKind;
  readonly status: number;
  readonly xeroMessage: string;
  readonly validationErrors: string[];
  readonly retryAfterSeconds?: number;
  readonly rateLimitProblem?: string;
  readonly dayLimitRemaining?: number;
  readonly minLimitRemaining?: number;
  readonly insufficientScope?: true;

  constructor(fields: XeroApiErrorFields) {
    super(describe(fields));
    this.kind = fields.kind;
    this.status = fields.status;
    this.xeroMessage = fields.xeroMessage;
    this.validationErrors = fields.validationErrors;
    // Optional fields are only set when known, so JSON and equality checks show no `undefined` noise.
    if (fields.retryAfterSeconds !== undefined) this.retryAfterSeconds = fields.retryAfterSeconds;
    if (fields.rateLimitProblem !== undefined) this.rateLimitProblem = fields.rateLimitProblem;
    if (fields.dayLimitRemaining !== undefined) this.dayLimitRemaining = fields.dayLimitRemaining;
    if (fields.minLimitRemaining !== undefined) this.minLimitRemaining = fields.minLimitRemaining;
    if (fields.insufficientScope) this.insufficientScope = true;
  }
}

function describe(f: XeroApiErrorFields): string {
  const status = f.status === 0 ? 'network error' : `HTTP ${f.status}`;
  const retry = f.retryAfterSeconds !== undefined ? ` (retry after ${f.retryAfterSeconds}s)` : '';
  return `Xero ${status} ${f.kind}: ${f.xeroMessage}${retry}`;
}

/** Kinds worth retrying as-is after a wait; unauthorized needs a token refresh first, the rest need a human. */
export function isRetryable(kind: XeroErrorKind): boolean {
  return (
    kind === 'minute-limit' || kind === 'concurrent-limit' || kind === 'day-limit' || kind === 'transient'
  );
}

type Headers = Record<string, unknown>;

function header(headers: Headers, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string' || typeof first === 'number') return String(first).trim();
  }
  return undefined;
}

function nonNegativeInt(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** The quota headers of any response (successful ones included); absent or malformed headers are left out. */
export function rateLimitHeaders(headers: unknown): RateLimitHeaders {
  const h = isRecord(headers) ? headers : {};
  const out: RateLimitHeaders = {};
  const day = nonNegativeInt(header(h, 'X-DayLimit-Remaining'));
  const min = nonNegativeInt(header(h, 'X-MinLimit-Remaining'));
  const app = nonNegativeInt(header(h, 'X-AppMinLimit-Remaining'));
  if (day !== undefined) out.dayRemaining = day;
  if (min !== undefined) out.minRemaining = min;
  if (app !== undefined) out.appMinRemaining = app;
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Accepts the xero-node string, its parsed object, or an axios-style error carrying `response`. */
function rawResponseOf(err: unknown): RawResponse | undefined {
  let value: unknown = err;
  if (typeof err === 'string') {
    try {
      value = JSON.parse(err);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(value) || !isRecord(value.response)) return undefined;
  const response = value.response;
  const status = Number(response.statusCode ?? response.status);
  if (!Number.isInteger(status)) return undefined;
  const headers = isRecord(response.headers) ? response.headers : {};
  return { status, headers, body: response.body ?? response.data ?? value.body };
}

function parseBody(body: unknown): Record<string, unknown> | string | undefined {
  if (typeof body !== 'string') return isRecord(body) ? body : undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return isRecord(parsed) ? parsed : body;
  } catch {
    return body;
  }
}

function validationMessages(body: Record<string, unknown>): string[] {
  const holders = [body, ...(Array.isArray(body.Elements) ? body.Elements : [])];
  const messages = holders.flatMap((holder: unknown) =>
    isRecord(holder) && Array.isArray(holder.ValidationErrors)
      ? holder.ValidationErrors.map((v: unknown) => (isRecord(v) ? text(v.Message) : undefined))
      : [],
  );
  return [...new Set(messages.filter((m): m is string => m !== undefined))].map(redact);
}

// Defence in depth: Xero's messages should never echo credentials, but if one ever did, it is cut out here.
function redact(message: string): string {
  return message
    .replace(/bearer\s+[^\s"',]+/gi, 'Bearer [redacted]')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[redacted]')
    .slice(0, 1000);
}

function messagesOf(body: unknown, status: number): { xeroMessage: string; validationErrors: string[] } {
  const parsed = parseBody(body);
  if (typeof parsed === 'string') {
    // A short plain-text body is Xero talking ("Rate limit exceeded"); HTML is a proxy page and says nothing useful.
    const plain = parsed.trim();
    const useful = plain !== '' && plain.length <= 300 && !plain.startsWith('<');
    return { xeroMessage: useful ? redact(plain) : fallbackMessage(status), validationErrors: [] };
  }
  if (!parsed) return { xeroMessage: fallbackMessage(status), validationErrors: [] };
  const validationErrors = validationMessages(parsed);
  const headline = text(parsed.Message) ?? problemDetails(parsed);
  const first = validationErrors[0];
  const parts = [headline ? redact(headline) : undefined, first].filter((p): p is string => p !== undefined);
  return {
    xeroMessage: parts.length > 0 ? [...new Set(parts)].join(': ') : fallbackMessage(status),
    validationErrors,
  };
}

// 401/403 bodies are RFC 7807 style: {Title: "Unauthorized", Detail: "AuthenticationUnsuccessful", ...}.
function problemDetails(body: Record<string, unknown>): string | undefined {
  const title = text(body.Title) ?? text(body.title);
  const detail = text(body.Detail) ?? text(body.detail);
  return title && detail && title !== detail ? `${title}: ${detail}` : (detail ?? title);
}

function fallbackMessage(status: number): string {
  return status === 0 ? 'no response from Xero' : `Xero answered HTTP ${status} without a message`;
}

function classify(status: number, problem: string | undefined, body: unknown): XeroErrorKind {
  if (status === 429) {
    if (problem === 'day' || problem === 'daily') return 'day-limit';
    if (problem === 'concurrent') return 'concurrent-limit';
    return 'minute-limit'; // "minute", "appminute", or no header: waiting a minute is the safe reading
  }
  if (status === 0 || status === 408 || status >= 500) return 'transient';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 400 && isHighVolume(body)) return 'high-volume';
  if (status === 400 && looksLikeValidation(body)) return 'validation';
  return 'client-error';
}

/**
 * A large organisation refusing a read it deems inefficient (xero-facts.md, "Large organisations"): 400 with
 * `{"ErrorNumber":51,"Type":"HighVolumeException"}`. Not transient (the same read is refused again) and not the
 * request's failure either: the caller reads another way (src/engine/packing.ts, whereLimitAfterRefusal).
 */
function isHighVolume(body: unknown): boolean {
  const parsed = parseBody(body);
  return isRecord(parsed) && (parsed.Type === 'HighVolumeException' || parsed.ErrorNumber === 51);
}

function looksLikeValidation(body: unknown): boolean {
  const parsed = parseBody(body);
  if (!isRecord(parsed)) return false;
  return parsed.Type === 'ValidationException' || validationMessages(parsed).length > 0;
}

function fromResponse(raw: RawResponse): XeroApiError {
  const rateLimitProblem = header(raw.headers, 'X-Rate-Limit-Problem')?.toLowerCase();
  const kind = classify(raw.status, rateLimitProblem, raw.body);
  const limits = rateLimitHeaders(raw.headers);
  let retryAfterSeconds = nonNegativeInt(header(raw.headers, 'Retry-After'));
  if (retryAfterSeconds === undefined && kind === 'minute-limit') retryAfterSeconds = 60;
  return new XeroApiError({
    kind,
    status: raw.status,
    ...messagesOf(raw.body, raw.status),
    retryAfterSeconds,
    rateLimitProblem,
    dayLimitRemaining: limits.dayRemaining,
    minLimitRemaining: limits.minRemaining,
    ...(insufficientScope(raw) ? { insufficientScope: true as const } : {}),
  });
}

/** Xero names a missing scope in the 403's WWW-Authenticate (community.xero.com discussion 119166525). */
function insufficientScope(raw: RawResponse): boolean {
  const challenge = header(raw.headers, 'WWW-Authenticate') ?? '';
  return raw.status === 403 && /error="?insufficient_scope"?/i.test(challenge);
}

// Network failures, before sending (refused, no such host) or after (reset, timeout, hang-up): transient either
// way. Whether a write landed is never guessed from them: the ledger asks Xero (docs/decisions.md "Exactly once").
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

function fromNetworkError(err: Record<string, unknown>): XeroApiError | undefined {
  const code = typeof err.code === 'string' ? err.code : undefined;
  const message = typeof err.message === 'string' ? err.message : '';
  const hangUp = /socket hang up|timeout|network error/i.test(message);
  if (!(code && NETWORK_CODES.has(code)) && !hangUp) return undefined;
  return new XeroApiError({
    kind: 'transient',
    status: 0,
    // Only the code and a fixed phrase: the original message could quote a URL with query parameters.
    xeroMessage: `network failure${code ? ` ${code}` : ''}${hangUp && !code ? ' (socket hang up or timeout)' : ''}`,
    validationErrors: [],
  });
}

/** Turns anything an API call rejected with into a safe, classified XeroApiError. Never throws. */
export function parseXeroError(err: unknown): XeroApiError {
  if (err instanceof XeroApiError) return err;
  const raw = rawResponseOf(err);
  if (raw) return fromResponse(raw);
  if (isRecord(err) || err instanceof Error) {
    const network = fromNetworkError(err as unknown as Record<string, unknown>);
    if (network) return network;
  }
  // Unknown shape: keep nothing from it. Treated as client-error so it is not retried blindly.
  return new XeroApiError({
    kind: 'client-error',
    status: -1,
    xeroMessage: 'unrecognised failure from the Xero client',
    validationErrors: [],
  });
}
