import { parseArgs } from 'node:util';
import type { FaultRule } from './faults';
import { defaultOptions, type TenantSpec, type XeroSimOptions } from './options';

/** Command-line flags of `npm run xero-sim`; every flag is listed in HELP. */

export const HELP = `Xero Accounting API simulator

Usage: npm run xero-sim -- [options]

Server
  --port <n>                   Port to listen on (0 = any free port). Default 4010.
  --host <addr>                Address to bind. Default 127.0.0.1.
  --time-scale <x>             Simulated seconds per real second. 60 = one simulated minute per real second.
                               Retry-After and expires_in are always given in real seconds. Default 1.
  --seed <n>                   Seed of the random source behind fault rates. Default 1.

Tenants
  --tenants <n>                Extra tenants to create besides the demo tenant, each with a different daily reset
                               time (their ids are printed at start). Default 0.
  --tenant <id>                Create a tenant with this id (repeatable).
  --day-reset-offset <s>       Daily window reset of the demo tenant, simulated seconds after 00:00 UTC. Default 39600.

Large organisations (Xero's high-volume threshold: inefficient GET /Contacts get 400 HighVolumeException)
  --high-volume                Mark every tenant created at start as large.
  --high-volume-max-clauses <n>
                               Most comparisons one where filter may hold in a large organisation. Default 10.
  --high-volume-refuse-methods Also refuse .ToLower(), .Contains() and the like in a large organisation.
  --high-volume-threshold <n>  Contacts above which any tenant counts as large. Default 100000.

Limits (per tenant unless stated; windows in simulated seconds)
  --per-minute <n>             Calls per minute. Default 60.
  --concurrent <n>             Calls in flight at once. Default 5.
  --per-day <n>                Calls per daily window. Default 5000.
  --app-per-minute <n>         Calls per minute for one app across all tenants. Default 10000.
  --minute-window <s>          Length of the minute window. Default 60.
  --day-window <s>             Length of the daily window. Default 86400.
  --max-body-bytes <n>         Request body limit; larger bodies get 413. Default 3500000.

Tokens and idempotency (simulated seconds)
  --access-token-seconds <s>   Access token lifetime. Default 1800.
  --refresh-grace-seconds <s>  How long a rotated refresh token keeps working. Default 1800.
  --idempotency-window <s>     How long an Idempotency-Key is remembered. Default 360.

Faults (also settable at runtime: POST /__sim/faults)
  --error-rate <0..1>          Share of calls answered with --error-status before any work. Default 0.
  --error-status <n>           Status of injected errors. Default 500.
  --latency-ms <n>             Real milliseconds added to every call. Default 0.
  --drop-rate <0..1>           Share of calls that are saved, then have their connection reset (commit-then-drop).
  --storm-rate <0..1>          Share of calls answered 429 (X-Rate-Limit-Problem: minute) with no limit reached.
  --fault-tenant <id>          Restrict the faults above to one tenant.
  --faults-writes-only         Restrict the faults above to PUT/POST/PATCH.

  -h, --help                   Show this help.

The demo client (client_id demo-client, secret demo-secret) has a client_credentials Custom Connection to the demo
tenant. Token endpoint: /connect/token. API: /api.xro/2.0. Inspection: /__sim/stats (see src/xero-sim/README.md).
`;

const NUMBER_FLAGS = {
  port: 'port',
  'time-scale': 'timeScale',
  seed: 'seed',
  'minute-window': 'minuteWindowSeconds',
  'day-window': 'dayWindowSeconds',
  'max-body-bytes': 'maxBodyBytes',
  'max-url-length': 'maxUrlLength',
  'access-token-seconds': 'accessTokenSeconds',
  'refresh-grace-seconds': 'refreshGraceSeconds',
  'idempotency-window': 'idempotencyWindowSeconds',
} as const;

const LIMIT_FLAGS = {
  'per-minute': 'perMinute',
  concurrent: 'concurrent',
  'per-day': 'perDay',
  'app-per-minute': 'appPerMinute',
} as const;

const FAULT_FLAGS = {
  'error-rate': 'errorRate',
  'error-status': 'errorStatus',
  'latency-ms': 'latencyMs',
  'drop-rate': 'dropAfterCommitRate',
  'storm-rate': 'rateLimitStormRate',
} as const;

function number(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new Error(`--${name} needs a number, got "${text}"`);
  return value;
}

export type CliResult = { help: true } | { help: false; options: XeroSimOptions };

export function parseCli(argv: string[]): CliResult {
  const stringFlags = [
    ...Object.keys(NUMBER_FLAGS),
    ...Object.keys(LIMIT_FLAGS),
    ...Object.keys(FAULT_FLAGS),
    'host',
    'tenants',
    'day-reset-offset',
    'fault-tenant',
    'high-volume-max-clauses',
    'high-volume-threshold',
  ];
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...Object.fromEntries(stringFlags.map((f) => [f, { type: 'string' as const }])),
      tenant: { type: 'string', multiple: true },
      'faults-writes-only': { type: 'boolean' },
      'high-volume': { type: 'boolean' },
      'high-volume-refuse-methods': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  const get = (flag: string): string | undefined =>
    (values as Record<string, unknown>)[flag] as string | undefined;
  const options = defaultOptions();
  for (const [flag, key] of Object.entries(NUMBER_FLAGS))
    if (get(flag) !== undefined) options[key] = number(flag, get(flag) ?? '');
  for (const [flag, key] of Object.entries(LIMIT_FLAGS))
    if (get(flag) !== undefined) options.limits[key] = number(flag, get(flag) ?? '');
  if (get('host')) options.host = get('host') ?? options.host;
  const demo = options.tenants[0];
  if (demo && get('day-reset-offset') !== undefined)
    demo.dayResetOffsetSeconds = number('day-reset-offset', get('day-reset-offset') ?? '');
  options.tenants.push(
    ...extraTenants(number('tenants', get('tenants') ?? '0'), values.tenant ?? [], options.dayWindowSeconds),
  );
  highVolumeFlags(options, get, values);
  const fault: FaultRule = {};
  for (const [flag, key] of Object.entries(FAULT_FLAGS))
    if (get(flag) !== undefined) fault[key] = number(flag, get(flag) ?? '');
  if (Object.keys(fault).length > 0) {
    if (get('fault-tenant')) fault.tenantId = get('fault-tenant');
    if (values['faults-writes-only']) fault.writesOnly = true;
    options.faults = [fault];
  }
  return { help: false, options };
}

function highVolumeFlags(
  options: XeroSimOptions,
  get: (flag: string) => string | undefined,
  values: { 'high-volume'?: boolean; 'high-volume-refuse-methods'?: boolean },
): void {
  const max = get('high-volume-max-clauses');
  if (max !== undefined) options.highVolume.maxClauses = number('high-volume-max-clauses', max);
  const threshold = get('high-volume-threshold');
  if (threshold !== undefined)
    options.highVolume.thresholdContacts = number('high-volume-threshold', threshold);
  if (values['high-volume-refuse-methods']) options.highVolume.refuseMethods = true;
  if (values['high-volume']) for (const tenant of options.tenants) tenant.highVolume = true;
}

/** Extra tenants get daily resets spread over the day, since Xero's reset time differs per tenant. */
function extraTenants(count: number, ids: string[], dayWindowSeconds: number): TenantSpec[] {
  const specs: TenantSpec[] = ids.map((tenantId) => ({ tenantId: tenantId.toLowerCase() }));
  for (let i = 0; i < count; i++) specs.push({ name: `Simulated Company ${i + 1} (SG)` });
  return specs.map((spec, i) => ({
    ...spec,
    dayResetOffsetSeconds: Math.floor(((i + 1) * dayWindowSeconds) / (specs.length + 1)),
  }));
}
