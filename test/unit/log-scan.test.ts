import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newApiKeyText } from '../../src/api-keys/store';
import { createLogger } from '../../src/logger';
import { newWebhookSecret } from '../../src/webhooks/signing';
import { runLogControl, scanLogFile, scanLogText } from '../support/log-scan';

describe('the log scan', () => {
  it('finds an API key, a webhook secret and a token in a line, and names the line and component', () => {
    const lines = [
      JSON.stringify({ component: 'api', msg: 'fine' }),
      JSON.stringify({ component: 'worker', msg: `oops ${newWebhookSecret()}` }),
      JSON.stringify({ component: 'cli', note: `${newApiKeyText()} and Bearer sim_at_abcdefghijklmnopqrst` }),
    ].join('\n');
    const { lines: count, findings } = scanLogText(lines);
    expect(count).toBe(3);
    expect(findings.map((f) => [f.line, f.component, f.kind])).toEqual([
      [2, 'worker', 'webhook secret'],
      [3, 'cli', 'API key'],
      [3, 'cli', 'Xero access token (simulator)'],
      [3, 'cli', 'Bearer credential'],
    ]);
    expect(findings.every((f) => f.redacted.length === 8)).toBe(true);
  });

  it('runs its negative control through the real logger (and a scanner that finds nothing would fail it)', () => {
    expect(runLogControl().map((f) => f.kind)).toEqual(
      expect.arrayContaining(['API key', 'webhook secret', 'Xero access token (simulator)']),
    );
  });

  it('finds nothing where the logger redacted the secrets', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'log-scan-')), 'log.ndjson');
    createLogger('api', 'info', file).info('careful', {
      secret: newWebhookSecret(),
      apiKey: newApiKeyText(),
      req: { headers: { authorization: `Bearer ${newApiKeyText()}` } },
    });
    expect(readFileSync(file, 'utf8')).toContain('[redacted]');
    expect(scanLogFile(file)).toEqual({ lines: 1, findings: [] });
  });
});
