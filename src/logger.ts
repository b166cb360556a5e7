import pino from 'pino';

/**
 * The structured logger: pino, one JSON line per event, fields never interpolated into the message. Every
 * process makes its loggers here, so the redaction of secrets (REDACT_PATHS) and the error serializer (a stack,
 * never an axios config with its Authorization header) are set once for all of them.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Where a secret could sit in a line's fields (top level, one level down, and the HTTP request's headers), so a
 * token, webhook secret, API key or Authorization header is never written, whoever logs it.
 */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'password',
  'secret',
  'clientSecret',
  'client_secret',
  'previousSecret',
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'apiKey',
  'codeVerifier',
];
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.headers.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

/**
 * An error as a log field: its type, message, code and stack (and its cause's), nothing else. pino's own
 * serializer copies every enumerable property, which for an axios error means its request config and headers.
 */
export function serializeError(value: unknown, depth = 0): unknown {
  if (!(value instanceof Error)) return value;
  const out: Record<string, unknown> = { type: value.name, message: value.message, stack: value.stack };
  const { code, status } = value as { code?: unknown; status?: unknown };
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (typeof status === 'number') out.status = status;
  if (value.cause !== undefined && depth < 3) out.cause = serializeError(value.cause, depth + 1);
  return out;
}

/** Log files opened by this process, one destination each (several loggers may append to one). */
const files = new Map<string, pino.DestinationStream>();

function destination(file: string | undefined): pino.DestinationStream {
  if (file) {
    let dest = files.get(file);
    // Synchronous appends: several processes may write one file (the tests do), and nothing is lost on exit.
    if (!dest)
      files.set(file, (dest = pino.destination({ dest: file, append: true, mkdir: true, sync: true })));
    return dest;
  }
  // As before pino: warnings and errors on stderr, the rest on stdout.
  return pino.multistream(
    [
      { level: 'debug', stream: pino.destination({ dest: 1, sync: true }) },
      { level: 'warn', stream: pino.destination({ dest: 2, sync: true }) },
    ],
    { dedupe: true },
  );
}

/** The pino logger behind each of our loggers, for the API's request log (test doubles have none). */
const underlying = new WeakMap<Logger, pino.Logger>();

function wrap(p: pino.Logger): Logger {
  const log: Logger = {
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
  };
  underlying.set(log, p);
  return log;
}

export function pinoOf(log: Logger): pino.Logger | undefined {
  return underlying.get(log);
}

/** The options every logger of the system shares: level, ISO time, redaction, the error serializer. */
export function pinoOptions(component: string, level: Level | 'silent'): pino.LoggerOptions {
  return {
    level,
    base: { component, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    serializers: { err: (e: unknown) => serializeError(e), error: (e: unknown) => serializeError(e) },
  };
}

/**
 * A logger for one component of a process. `file` (LOG_FILE): every line is appended there instead of going to
 * stdout and stderr.
 */
export function createLogger(component: string, level: Level = 'info', file?: string): Logger {
  return wrap(pino(pinoOptions(component, level), destination(file)));
}

/** A logger whose every line carries these fields (a request id, a business, a workflow). */
export function childLogger(log: Logger, bindings: Record<string, unknown>): Logger {
  const p = underlying.get(log);
  if (p) return wrap(p.child(bindings));
  const merged = (fields?: Record<string, unknown>) => ({ ...bindings, ...fields });
  return {
    debug: (m, f) => log.debug(m, merged(f)),
    info: (m, f) => log.info(m, merged(f)),
    warn: (m, f) => log.warn(m, merged(f)),
    error: (m, f) => log.error(m, merged(f)),
  };
}
