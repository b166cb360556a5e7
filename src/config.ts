import path from 'node:path';
import { z } from 'zod';

/**
 * The whole configuration, one zod schema over the environment. Parsed once, frozen, typed.
 * No secret has a default: without Xero credentials the product runs against the local simulator.
 */
const port = z.coerce.number().int().min(0).max(65535);
const url = z.url();
const blankToUndefined = (v: unknown) => (v === '' ? undefined : v);
const optionalUrl = z.preprocess(blankToUndefined, url.optional());
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());
/** "true" or "false" (empty: false). */
const flag = z
  .preprocess(blankToUndefined, z.enum(['true', 'false'], 'true or false').default('false'))
  .transform((v) => v === 'true');

/** A 32-byte AES-256 key, base64 (standard or URL-safe). `openssl rand -base64 32` makes one. */
export function decodeKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : undefined;
}
const KEY_MESSAGE = '32 random bytes, base64 (make one with `openssl rand -base64 32`)';
const encryptionKey = z.string().refine((v) => decodeKey(v) !== undefined, KEY_MESSAGE);
const optionalKey = z.preprocess((v) => (v === '' ? undefined : v), encryptionKey.optional());
const optionalKeyList = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .refine(
      (v) => v.split(',').every((k) => decodeKey(k) !== undefined),
      `a comma-separated list of keys, each ${KEY_MESSAGE}`,
    )
    .optional(),
);

/** An origin as CSP frame-ancestors takes it: scheme, host and optional port, nothing else. */
function isOrigin(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === text.replace(/\/$/, '');
  } catch {
    return false;
  }
}

/**
 * The fewest scopes this product needs, as a Xero app created on or after 2 March 2026 may ask for them (only
 * granular scopes): contacts read and created, invoices and credit notes written (`accounting.invoices`), payments
 * and refunds written (`accounting.payments`), the organisation, currencies, accounts, tax rates and tracking
 * only read (`accounting.settings.read`), and `offline_access` for a refresh token. GET /connections, which names
 * the organisation, needs no scope, so neither openid, profile nor email is asked for.
 */
export const DEFAULT_XERO_SCOPES =
  'accounting.contacts accounting.invoices accounting.payments accounting.settings.read offline_access';

/**
 * The same access as an app created before March 2026 asks for it: broad `accounting.transactions`. Such apps may
 * keep them until September 2027 (XERO_LEGACY_SCOPES=true); a newer app asking for them is refused by Xero.
 */
export const LEGACY_XERO_SCOPES =
  'accounting.transactions accounting.contacts accounting.settings.read offline_access';

export const ConfigSchema = z.object({
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  API_BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/, 'a size such as "1mb" or "256kb"')
    .default('1mb'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  LOG_FILE: optionalString,
  DATA_DIR: z.string().min(1).default('.data'),

  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  // The task queue's name is configuration: every worker, client and test reads it from here (webhook deliveries
  // use `<this>-webhooks`). Configuration imports nothing of the product, so the default is written here.
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('xero-manual-sync'),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: optionalUrl,
  TEMPORAL_CLI: optionalString,

  DATABASE_URL: optionalUrl,
  EMBEDDED_PG_PORT: port.default(5433),

  // Empty counts as unset (as .env.example leaves them): the defaults below, and the simulator under npm start.
  XERO_API_URL: z.preprocess(blankToUndefined, url.default('https://api.xero.com/api.xro/2.0')),
  XERO_IDENTITY_URL: z.preprocess(blankToUndefined, url.default('https://identity.xero.com')),
  XERO_CLIENT_ID: optionalString,
  XERO_CLIENT_SECRET: optionalString,
  XERO_REDIRECT_URI: optionalUrl,
  // Unset: DEFAULT_XERO_SCOPES, or LEGACY_XERO_SCOPES with XERO_LEGACY_SCOPES=true (an app made before March 2026).
  XERO_SCOPES: optionalString,
  XERO_LEGACY_SCOPES: flag,
  TOKEN_ENCRYPTION_KEY: optionalKey,
  TOKEN_ENCRYPTION_OLD_KEYS: optionalKeyList,
  XERO_SIM_PORT: port.default(4010),
  XERO_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  XERO_MINUTE_BUDGET: z.coerce.number().int().min(1).max(60).default(55),
  XERO_CONCURRENCY: z.coerce.number().int().min(1).max(5).default(4),
  XERO_WINDOW_MS: z.coerce.number().int().min(100).default(60_000),
  XERO_DAY_WINDOW_MS: z.coerce.number().int().min(1000).default(86_400_000),
  XERO_DAILY_LIMIT: z.coerce.number().int().min(1).default(5000),
  XERO_QUOTA_PROBE_MS: z.coerce.number().int().min(100).default(1_800_000),
  // Xero expires a refresh token unused for 60 days: the worker's keep-alive refreshes every OAuth connection
  // whose refresh token has not been used for this many days (0: no keep-alive).
  XERO_KEEPALIVE_AFTER_DAYS: z.coerce.number().int().min(0).max(55).default(30),

  // The worker's own small HTTP server (/metrics, /healthz, /readyz): off unless a port is set, so several
  // workers on one machine (npm start, tests) never compete for one.
  WORKER_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_HTTP_PORT: z.preprocess(blankToUndefined, port.optional()),

  WEBHOOK_ALLOW_PRIVATE_URLS: flag,
  WEBHOOK_ATTEMPT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_BACKOFF_INITIAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(5000),
  WEBHOOK_RETRY_FOR_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(7 * 86_400_000)
    .default(86_400_000),
  WEBHOOK_MAX_CONCURRENT_DELIVERIES: z.coerce.number().int().min(1).max(200).default(20),

  SYNC_STEP_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
  // How long one API process shares a request's computed detail between its readers (0: never).
  PROGRESS_CACHE_MS: z.coerce.number().int().min(0).max(2000).default(250),
  SYNC_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(100).default(10),

  // The merchant page (Manual Syncing): page links, browser sessions, framing.
  PUBLIC_URL: optionalUrl,
  PAGE_LINK_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  PAGE_SESSION_SECONDS: z.coerce.number().int().min(60).max(86_400).default(7200),
  PAGE_FRAME_ANCESTORS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine(
        (v) =>
          v
            .split(/[\s,]+/)
            .filter(Boolean)
            .every(isOrigin),
        'origins such as "https://platform.example.com", separated by spaces or commas',
      )
      .optional(),
  ),
  PAGE_COOKIE_SAMESITE: z.enum(['lax', 'strict', 'none']).default('lax'),
});

export type Config = Readonly<z.infer<typeof ConfigSchema>> & {
  /** Absolute DATA_DIR. */
  readonly dataDir: string;
  /**
   * True when no Xero at all is configured (no XERO_API_URL, XERO_IDENTITY_URL or XERO_CLIENT_ID): `npm start`
   * then runs the local simulator. Any of them set means a real (or external) Xero, and no simulator.
   */
  readonly xeroSimulated: boolean;
  /** Why: which of those variables are set (empty when simulated). */
  readonly xeroConfiguredBy: readonly string[];
  /** The scopes asked for at consent: XERO_SCOPES, else the granular default, or the legacy ones. */
  readonly xeroScopes: string;
  /** Where Xero sends the user back after consent: XERO_REDIRECT_URI, or this API's /xero/callback. */
  readonly xeroRedirectUri: string;
  /** The origin browsers reach this API at (PUBLIC_URL, or http://API_HOST:API_PORT), without a trailing slash. */
  readonly publicUrl: string;
  /** Origins allowed to frame the merchant page (PAGE_FRAME_ANCESTORS); empty: none. */
  readonly pageFrameAncestors: readonly string[];
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message} (see .env.example)`),
    );
  }
  const parsed = result.data;
  const xeroConfiguredBy = (['XERO_API_URL', 'XERO_IDENTITY_URL', 'XERO_CLIENT_ID'] as const).filter(
    (name) => (env[name] ?? '') !== '',
  );
  if (Boolean(parsed.XERO_CLIENT_ID) !== Boolean(parsed.XERO_CLIENT_SECRET)) {
    throw new ConfigError([
      'XERO_CLIENT_ID / XERO_CLIENT_SECRET: set both (a Xero app) or neither (local simulator)',
    ]);
  }
  const publicUrl = (parsed.PUBLIC_URL ?? `http://${parsed.API_HOST}:${parsed.API_PORT}`).replace(/\/+$/, '');
  if (parsed.PAGE_COOKIE_SAMESITE === 'none' && !publicUrl.startsWith('https:')) {
    throw new ConfigError([
      'PAGE_COOKIE_SAMESITE: "none" needs PUBLIC_URL on https (browsers drop SameSite=None cookies that are not Secure)',
    ]);
  }
  return Object.freeze({
    ...parsed,
    publicUrl,
    pageFrameAncestors: Object.freeze(
      (parsed.PAGE_FRAME_ANCESTORS ?? '')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((o) => o.replace(/\/$/, '')),
    ),
    dataDir: path.resolve(parsed.DATA_DIR),
    xeroSimulated: xeroConfiguredBy.length === 0,
    xeroConfiguredBy: Object.freeze(xeroConfiguredBy),
    xeroScopes: parsed.XERO_SCOPES ?? (parsed.XERO_LEGACY_SCOPES ? LEGACY_XERO_SCOPES : DEFAULT_XERO_SCOPES),
    xeroRedirectUri: parsed.XERO_REDIRECT_URI ?? `http://${parsed.API_HOST}:${parsed.API_PORT}/xero/callback`,
  });
}

let loaded: Config | undefined;

/** The process's configuration. On a bad value it prints every problem and exits, before anything starts. */
export function config(): Config {
  if (!loaded) {
    try {
      loaded = parseConfig(process.env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      console.error(err.message);
      process.exit(1);
    }
  }
  return loaded;
}
