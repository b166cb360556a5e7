import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DEMO_CLIENT_SECRET } from '../../src/xero-sim/options';
import { requireEnv } from '../support/harness';
import { checkWorkflowHistories, CONTROL_NAMESPACE, runControl } from '../support/history-scan';

/**
 * The history scan that global-teardown runs over `default` after every test file, proven against the real
 * Temporal server: it finds secrets planted in a history (in CONTROL_NAMESPACE, so `default` stays clean) and its
 * failure names the workflow and the event.
 */
describe('the workflow history scan', () => {
  let connection: Connection;
  let control: Client;
  beforeAll(async () => {
    connection = await Connection.connect({ address: requireEnv('TEST_TEMPORAL_ADDRESS') });
    control = new Client({ connection, namespace: CONTROL_NAMESPACE });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('reports a planted API key and access token, listed and fetched from the server', async () => {
    const findings = await runControl(control);
    expect(new Set(findings.map((f) => f.kind))).toEqual(
      new Set(['API key', 'Xero access token (simulator)']),
    );
    expect(findings.every((f) => f.workflowId.startsWith('history-scan-control-'))).toBe(true);
  });

  it('fails, naming the workflow and the event, when a history holds a client secret', async () => {
    const workflowId = `leaky-${randomBytes(4).toString('hex')}`;
    const handle = await control.workflow.start('leaky', {
      taskQueue: 'history-scan-leaky',
      workflowId,
      args: [{ xero: { clientId: 'demo-client', clientSecret: DEMO_CLIENT_SECRET } }],
    });
    const logged: string[] = [];
    try {
      let failure: Error | undefined;
      // Visibility lists a new execution shortly after it starts: scan until it is in the list.
      for (let attempt = 0; !failure?.message.includes(workflowId); attempt += 1) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 250));
        failure = await checkWorkflowHistories(connection.options.address, {
          namespace: CONTROL_NAMESPACE,
          requireHistories: true,
          log: (line) => logged.push(line),
        }).then(
          () => undefined,
          (err: Error) => err,
        );
      }
      expect(failure.message).toMatch(/^\[history-scan\] \d+ secret\(s\) found in workflow histories:\n/);
      expect(failure.message).toContain(
        `workflow ${workflowId} (run ${handle.firstExecutionRunId}), event 1 EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: test secret "demo…" (demo-se…)`,
      );
      expect(failure.message).not.toContain(DEMO_CLIENT_SECRET);
      expect(logged.at(-1)).toMatch(/scanned \d+ workflow histories .* in namespace "history-scan-control"/);
    } finally {
      await handle.terminate('test done');
    }
  });
});
