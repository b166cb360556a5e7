import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { newApiKeyText } from '../../src/api-keys/store';
import { DEMO_CLIENT_SECRET } from '../../src/xero-sim/options';
import { TEST_TOKEN_ENCRYPTION_KEY } from './harness';

/**
 * Scans Temporal workflow histories for secrets (issue 6: "scanning every workflow history the test suite produces
 * finds no token or API key"). Every string and every byte field of every event is read, payloads decoded as text
 * (input, result, memo, search attributes, headers, failure messages and stack traces alike), and searched for the
 * shapes of this system's secrets. global-teardown.ts runs it over the test server's `default` namespace after
 * every test file has finished.
 */

/** Where planted histories go (the scanner's own negative control), so they never reach `default`. */
export const CONTROL_NAMESPACE = 'history-scan-control';

export interface SecretPattern {
  kind: string;
  pattern: RegExp;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The secrets this system handles, by shape (and the test run's fixed secrets, literally). */
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  // src/api-keys/store.ts: xms_<12 lower-case letters or digits>_<43 base64url>
  { kind: 'API key', pattern: /xms_[a-z0-9]{12}_[A-Za-z0-9_-]{43}/ },
  // src/xero-sim/identity-store.ts: opaque tokens with a recognisable prefix.
  { kind: 'Xero access token (simulator)', pattern: /sim_at_[A-Za-z0-9_-]{16,}/ },
  { kind: 'Xero refresh token (simulator)', pattern: /sim_rt_[A-Za-z0-9_-]{16,}/ },
  // Real Xero access tokens are JWTs.
  {
    kind: 'JWT (Xero access token)',
    pattern: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
  },
  // src/webhooks/signing.ts: Standard Webhooks secrets, whsec_ + base64 of 32 bytes.
  { kind: 'webhook secret', pattern: /whsec_[A-Za-z0-9+/]{32,}={0,2}/ },
  // Any Authorization header value that slipped into an error message.
  { kind: 'Bearer credential', pattern: /Bearer\s+[A-Za-z0-9._~+/-]{16,}/ },
  // Client secrets and the token encryption key the tests use.
  ...[DEMO_CLIENT_SECRET, 'web-secret', TEST_TOKEN_ENCRYPTION_KEY].map((literal) => ({
    kind: `test secret "${literal.slice(0, 4)}…"`,
    pattern: new RegExp(escape(literal)),
  })),
];

export interface EventFinding {
  eventId: string;
  eventType: string;
  kind: string;
  /** The start of the match only, so the report does not print the secret. */
  redacted: string;
}

export interface HistoryFinding extends EventFinding {
  workflowId: string;
  runId: string;
}

/** Every string in an event, with byte fields (payload data) decoded as UTF-8. */
function textsOf(value: unknown, out: string[], depth = 0): void {
  if (value === null || value === undefined || depth > 64) return;
  if (typeof value === 'string') out.push(value);
  // ArrayBuffer.isView, not instanceof: under Jest the bytes come from another realm's Uint8Array.
  else if (ArrayBuffer.isView(value))
    out.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'));
  else if (Array.isArray(value)) for (const item of value) textsOf(item, out, depth + 1);
  else if (typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      out.push(key); // map keys: memo fields, search attribute names, header names
      textsOf(item, out, depth + 1);
    }
}

function eventTypeName(type: unknown): string {
  if (typeof type === 'number') return temporal.api.enums.v1.EventType[type] ?? String(type);
  return String(type ?? 'unknown');
}

/** The secrets found in a history's events. */
export function findSecretsInEvents(
  events: readonly temporal.api.history.v1.IHistoryEvent[],
  patterns: readonly SecretPattern[] = SECRET_PATTERNS,
): EventFinding[] {
  const findings: EventFinding[] = [];
  for (const event of events) {
    const texts: string[] = [];
    textsOf(event, texts);
    const text = texts.join('\n');
    for (const { kind, pattern } of patterns) {
      const match = pattern.exec(text);
      if (!match) continue;
      findings.push({
        eventId: String(event.eventId ?? '?'),
        eventType: eventTypeName(event.eventType),
        kind,
        redacted: `${match[0].slice(0, 7)}…`,
      });
    }
  }
  return findings;
}

export interface ScanResult {
  namespace: string;
  histories: number;
  events: number;
  findings: HistoryFinding[];
}

/** Lists every execution (every run) in the client's namespace, fetches each history and scans it. */
export async function scanNamespace(client: Client, concurrency = 8): Promise<ScanResult> {
  const executions: Array<{ workflowId: string; runId: string }> = [];
  for await (const info of client.workflow.list())
    executions.push({ workflowId: info.workflowId, runId: info.runId });
  const result: ScanResult = {
    namespace: client.options.namespace,
    histories: 0,
    events: 0,
    findings: [],
  };
  let next = 0;
  const scanOne = async () => {
    for (let i = next++; i < executions.length; i = next++) {
      const { workflowId, runId } = executions[i]!;
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      result.histories += 1;
      result.events += events.length;
      for (const f of findSecretsInEvents(events)) result.findings.push({ workflowId, runId, ...f });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, scanOne));
  return result;
}

export function describeFindings(findings: readonly HistoryFinding[]): string {
  return findings
    .map(
      (f) =>
        `  workflow ${f.workflowId} (run ${f.runId}), event ${f.eventId} ${f.eventType}: ${f.kind} (${f.redacted})`,
    )
    .join('\n');
}

/**
 * The scanner's negative control, run against the real server: a workflow planted in CONTROL_NAMESPACE with a
 * freshly made API key in its input and a simulator-shaped access token in its memo must be reported, through
 * the same listing, fetching and decoding as the real scan. Throws if it is not.
 */
export async function runControl(client: Client): Promise<HistoryFinding[]> {
  if (client.options.namespace !== CONTROL_NAMESPACE)
    throw new Error('the control runs in its own namespace');
  const workflowId = `history-scan-control-${randomBytes(4).toString('hex')}`;
  const handle = await client.workflow.start('historyScanControl', {
    taskQueue: 'history-scan-control', // no worker: the start event is all the history needs
    workflowId,
    args: [{ note: 'planted by the history scan', apiKey: newApiKeyText() }],
    memo: { xero: { accessToken: `sim_at_${randomBytes(24).toString('base64url')}` } },
  });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = (await scanNamespace(client)).findings.filter((f) => f.workflowId === workflowId);
      const kinds = new Set(found.map((f) => f.kind));
      if (kinds.has('API key') && kinds.has('Xero access token (simulator)')) return found;
      // Visibility lists a new execution shortly after it starts; wait for it rather than pass or fail early.
      if (Date.now() > deadline)
        throw new Error(
          `history scan self-check failed: the planted workflow ${workflowId} was ${found.length ? `found with only ${[...kinds].join(', ')}` : 'not reported'}`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await handle.terminate('history scan control done');
  }
}

/**
 * What global-teardown runs: the control, then the scan of `default`. Throws (so `npm test` fails) when a secret
 * is found, naming each workflow and event, or when a full run scanned no history at all.
 */
export async function checkWorkflowHistories(
  address: string,
  options: { requireHistories: boolean; namespace?: string; log?: (line: string) => void },
): Promise<ScanResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const connection = await Connection.connect({ address });
  try {
    const control = await runControl(new Client({ connection, namespace: CONTROL_NAMESPACE }));
    const namespace = options.namespace ?? 'default';
    const result = await scanNamespace(new Client({ connection, namespace }));
    log(
      `[history-scan] self-check: a planted API key and token were found (${control.length} finding(s)); ` +
        `scanned ${result.histories} workflow histories (${result.events} events) in namespace "${namespace}": ` +
        `${result.findings.length} secret(s) found.`,
    );
    if (result.findings.length)
      throw new Error(
        `[history-scan] ${result.findings.length} secret(s) found in workflow histories:\n${describeFindings(result.findings)}`,
      );
    if (options.requireHistories && result.histories === 0)
      throw new Error(
        '[history-scan] the full test run left no workflow history to scan; the scan proved nothing.',
      );
    return result;
  } finally {
    await connection.close();
  }
}
