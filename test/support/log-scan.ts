import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newApiKeyText } from '../../src/api-keys/store';
import { createLogger } from '../../src/logger';
import { newWebhookSecret } from '../../src/webhooks/signing';
import { SECRET_PATTERNS } from './history-scan';
import type { SecretPattern } from './history-scan';

/**
 * Scans the test run's log lines for secrets, the way history-scan.ts scans workflow histories: every process
 * the run starts (the test files' workers, APIs and loggers, the Temporal SDK's workflow and activity logs, and
 * the worker and API processes tests spawn) appends its JSON lines to one file (TEST_LOG_FILE, set up by
 * global-setup.ts), which global-teardown.ts scans for API keys, Xero tokens, webhook secrets, Bearer values and
 * the tests' fixed secrets.
 */
export interface LogFinding {
  line: number;
  kind: string;
  component: string;
  /** The start of the match only, so the report does not print the secret. */
  redacted: string;
}

export interface LogScan {
  lines: number;
  findings: LogFinding[];
}

function componentOf(line: string): string {
  return /"component":"([^"]*)"/.exec(line)?.[1] ?? '?';
}

export function scanLogText(text: string, patterns: readonly SecretPattern[] = SECRET_PATTERNS): LogScan {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const findings: LogFinding[] = [];
  lines.forEach((line, i) => {
    for (const { kind, pattern } of patterns) {
      const match = pattern.exec(line);
      if (match)
        findings.push({
          line: i + 1,
          kind,
          component: componentOf(line),
          redacted: `${match[0].slice(0, 7)}…`,
        });
    }
  });
  return { lines: lines.length, findings };
}

export function scanLogFile(file: string): LogScan {
  return existsSync(file) ? scanLogText(readFileSync(file, 'utf8')) : { lines: 0, findings: [] };
}

/**
 * The negative control: a line written through the product's own logger, with a fresh API key, webhook secret
 * and simulator token in a free-text field (no redaction path covers it), must be reported by the same scan.
 * It goes to a file of its own, never the run's log. Throws if any of the three is missed.
 */
export function runLogControl(): LogFinding[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'log-scan-control-'));
  try {
    const file = path.join(dir, 'control.ndjson');
    const token = `sim_at_${randomBytes(24).toString('base64url')}`;
    createLogger('log-scan-control', 'info', file).info('planted by the log scan', {
      note: `key ${newApiKeyText()} secret ${newWebhookSecret()} token ${token}`,
    });
    const found = scanLogFile(file).findings;
    const kinds = new Set(found.map((f) => f.kind));
    const wanted = ['API key', 'webhook secret', 'Xero access token (simulator)'];
    const missed = wanted.filter((k) => !kinds.has(k));
    if (missed.length)
      throw new Error(`log scan self-check failed: the planted ${missed.join(', ')} not found`);
    return found;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What global-teardown runs: the control, then the run's log. Throws on a finding, or a full run that logged nothing. */
export function checkLogs(
  file: string,
  options: { requireLines: boolean; log?: (line: string) => void },
): LogScan {
  const log = options.log ?? ((line: string) => console.log(line));
  const control = runLogControl();
  const result = scanLogFile(file);
  log(
    `[log-scan] self-check: a planted API key, webhook secret and token were found (${control.length} finding(s)); ` +
      `scanned ${result.lines} log lines of the run (${file}): ${result.findings.length} secret(s) found.`,
  );
  if (result.findings.length)
    throw new Error(
      `[log-scan] ${result.findings.length} secret(s) found in the test run's log lines:\n` +
        result.findings.map((f) => `  line ${f.line} (${f.component}): ${f.kind} (${f.redacted})`).join('\n'),
    );
  if (options.requireLines && result.lines === 0)
    throw new Error('[log-scan] the full test run wrote no log line to scan; the scan proved nothing.');
  return result;
}
