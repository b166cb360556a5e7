import { spawn } from 'node:child_process';
import path from 'node:path';
import { unconnectedBusiness } from '../support/businesses';
import { cancelUpdate } from '../../src/definitions';
import type { Order } from '../../src/orders/schema';
import { expectExactlyOnce, loadDemoOrders, simInvoices } from '../support/orders';
import { listedWorkflowIds, submitSync, syncResult, waitForRequest } from '../support/requests';
import type { RequestDetail } from '../support/requests';
import { eventually, startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import {
  connectThroughOAuth,
  rawConnectionRow,
  storedConnection,
  WEB_APP,
  WEB_APP_ENV,
} from '../support/xero-connect';
import { CLI_ENTRY } from '../support/cli';

/**
 * A request whose Xero connection is revoked waits in needs_reconnect (not failed), shows it in its progress and
 * in XeroSyncState, and completes exactly once after the business reconnects.
 */
describe('needs_reconnect', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('needs-reconnect', { env: WEB_APP_ENV });
    system.xero.sim.createClient({ ...WEB_APP, appName: 'Manual Sync' });
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function business(id: string): Promise<Order[]> {
    await unconnectedBusiness(system.database.db, id);
    return loadDemoOrders(system.database.db, {
      businessId: id,
      from: '2026-02-02',
      to: '2026-02-04',
      ordersPerDay: 12,
      channel: 'pos',
    });
  }

  function revokeInXero(clientId: string, tenantId: string): void {
    const connection = [...system.xero.sim.identity.connections.values()].find(
      (c) => c.clientId === clientId && c.tenantId === tenantId,
    );
    system.xero.sim.identity.revokeConnection(connection!.id);
  }

  /** The request shows needs_reconnect in its progress and, once visibility has it, in XeroSyncState. */
  async function waitForNeedsReconnect(businessId: string, id: string): Promise<RequestDetail> {
    const waiting = await waitForRequest(
      system,
      businessId,
      id,
      (p) => p.state === 'needs_reconnect',
      60_000,
    );
    const query = `XeroSyncBusinessId = "${businessId}" AND XeroSyncState = "needs_reconnect"`;
    await eventually(async () => (await listedWorkflowIds(system.temporal.client, query)).includes(id));
    return waiting;
  }

  const submit = (businessId: string) =>
    submitSync(system, { businessId, channel: 'pos', startDate: '2026-02-02', endDate: '2026-02-04' });

  it('revoked OAuth connection: needs_reconnect in progress and XeroSyncState; after the callback reconnects, the request completes exactly once', async () => {
    const businessId = 'biz_revoked';
    const tenantId = system.xero.sim.createTenant({ name: 'Revoked Coffee' }).tenantId;
    const orders = await business(businessId);
    expect((await connectThroughOAuth(system, businessId, tenantId)).status).toBe(200);
    const before = await storedConnection(system.database.db, businessId);
    // The user disconnects the app in Xero: the stored access token is still unexpired, but Xero answers 403.
    revokeInXero(WEB_APP.clientId, tenantId);

    const id = await submit(businessId);
    const waiting = await waitForNeedsReconnect(businessId, id);
    expect(waiting.lastError).toMatch(/needs to be reconnected/);
    expect(waiting.counts.synced).toBe(0);
    expect((await rawConnectionRow(system.database.db, businessId)).status).toBe('needs_reconnect');
    const handle = system.temporal.client.workflow.getHandle(id);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    const reconnected = await connectThroughOAuth(system, businessId, tenantId);
    expect(reconnected.body).toMatchObject({ status: 'active', resumedRequests: [id] });

    const result = await syncResult(system, id);
    expect(result).toMatchObject({ state: 'completed', lastError: null });
    expect(result.counts.synced).toBe(orders.filter((o) => o.status !== 'voided').length);
    expectExactlyOnce(orders, await simInvoices(system.xero.baseUrl, tenantId));

    // No token reached the workflow's history (inputs, results, failures, search attributes).
    const after = await storedConnection(system.database.db, businessId);
    const history = JSON.stringify(await handle.fetchHistory());
    for (const token of [before.accessToken, before.refreshToken, after.accessToken, after.refreshToken])
      expect(history).not.toContain(token!);
  });

  it('revoked Custom Connection: after business connect-custom (CLI) with the new secret, the waiting request completes exactly once', async () => {
    const businessId = 'biz_custom';
    const tenantId = system.xero.sim.createTenant({ name: 'Custom Coffee' }).tenantId;
    system.xero.sim.createClient({
      clientId: 'custom-b',
      clientSecret: 'secret-1',
      customConnectionTenantId: tenantId,
    });
    const orders = await business(businessId);
    await system.deps.connections.connectCustom(businessId, {
      clientId: 'custom-b',
      clientSecret: 'secret-1',
    });
    revokeInXero('custom-b', tenantId);

    const id = await submit(businessId);
    await waitForNeedsReconnect(businessId, id);

    // The organisation's admin connects the Custom Connection again, with a new secret.
    system.xero.sim.createClient({
      clientId: 'custom-b',
      clientSecret: 'secret-2',
      customConnectionTenantId: tenantId,
    });
    const cli = await runCli(
      [
        'business',
        'connect-custom',
        '--business',
        businessId,
        '--client-id',
        'custom-b',
        '--client-secret-stdin',
      ],
      'secret-2\n',
    );
    expect(cli).toMatchObject({ code: 0 });
    expect(cli.stdout).toContain(`Connected ${businessId} to Xero organisation Custom Coffee (${tenantId})`);
    expect(cli.stdout).toContain(`Resumed 1 request(s) waiting for the reconnect: ${id}`);

    const result = await syncResult(system, id);
    expect(result.state).toBe('completed');
    expectExactlyOnce(orders, await simInvoices(system.xero.baseUrl, tenantId));
    const raw = JSON.stringify(await rawConnectionRow(system.database.db, businessId));
    expect(raw).not.toContain('secret-2');
    expect(raw).toContain('"client_secret_enc":"v1.');
  });

  it('business connect-custom refuses credentials Xero does not accept, and stores nothing', async () => {
    const cli = await runCli(
      ['business', 'connect-custom', '--business', 'biz_custom', '--client-id', 'custom-b'],
      '',
      { XERO_CUSTOM_CLIENT_SECRET: 'wrong' },
    );
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('Xero refused');
    expect((await storedConnection(system.database.db, 'biz_custom')).client?.clientSecret).toBe('secret-2');
  });

  it('a request waiting in needs_reconnect can still be cancelled', async () => {
    const businessId = 'biz_cancel';
    const tenantId = system.xero.sim.createTenant({ name: 'Cancelled Coffee' }).tenantId;
    system.xero.sim.createClient({
      clientId: 'custom-c',
      clientSecret: 'secret',
      customConnectionTenantId: tenantId,
    });
    await business(businessId);
    await system.deps.connections.connectCustom(businessId, { clientId: 'custom-c', clientSecret: 'secret' });
    revokeInXero('custom-c', tenantId);
    const id = await submit(businessId);
    await waitForNeedsReconnect(businessId, id);
    const handle = system.temporal.client.workflow.getHandle(id);
    expect(await handle.executeUpdate(cancelUpdate)).toMatchObject({ state: 'needs_reconnect' });
    expect((await syncResult(system, id)).state).toBe('cancelled');
  });

  /** `npm run cli -- …` as a separate process, with the deployment's variables. */
  function runCli(
    args: string[],
    stdin: string,
    extraEnv: Record<string, string> = {},
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const root = path.resolve(__dirname, '../..');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, CLI_ENTRY), ...args], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: system.cfg.DATABASE_URL,
        TEMPORAL_ADDRESS: system.cfg.TEMPORAL_ADDRESS,
        XERO_API_URL: system.cfg.XERO_API_URL,
        XERO_IDENTITY_URL: system.cfg.XERO_IDENTITY_URL,
        TOKEN_ENCRYPTION_KEY: system.cfg.TOKEN_ENCRYPTION_KEY,
        LOG_LEVEL: 'error',
        ...extraEnv,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(stdin);
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }
});
