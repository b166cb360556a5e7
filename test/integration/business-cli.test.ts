import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { getBusiness } from '../../src/businesses/store';
import { DEMO_CLIENT_SECRET, DEMO_TENANT_ID } from '../../src/xero-sim';
import { connectToSimulator } from '../support/orders';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import { CLI_ENTRY } from '../support/cli';

const run = promisify(execFile);

/** `npm run cli -- business create|show` against a real PostgreSQL (and the simulator for a connection). */
describe('business CLI', () => {
  let system: TestSystem;
  const cli = async (...args: string[]) => {
    const env = {
      ...process.env,
      DATABASE_URL: system.database.url,
      TOKEN_ENCRYPTION_KEY: system.cfg.TOKEN_ENCRYPTION_KEY,
    };
    return run(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], { env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
  };
  beforeAll(async () => {
    system = await startTestSystem('business-cli', { worker: false });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('creates a business with default settings and no connection, once', async () => {
    const created = await cli(
      'business',
      'create',
      '--id',
      'biz_cli',
      '--name',
      'CLI Cafe',
      '--time-zone',
      'Asia/Tokyo',
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(
      'Created business biz_cli ("CLI Cafe", time zone Asia/Tokyo), not connected to Xero.',
    );
    expect(await getBusiness(system.database.db, 'biz_cli')).toMatchObject({
      id: 'biz_cli',
      name: 'CLI Cafe',
      timeZone: 'Asia/Tokyo',
      xeroTenantId: null,
      settings: { invoiceNumberTemplate: '{CHANNEL}-{number}', dailyQuotaReserve: 500 },
    });
    const again = await cli('business', 'create', '--id', 'biz_cli', '--name', 'Other');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Business biz_cli already exists');
    expect((await getBusiness(system.database.db, 'biz_cli'))?.name).toBe('CLI Cafe');
    const utc = await cli('business', 'create', '--id', 'biz_cli_utc', '--name', 'UTC Ltd');
    expect(utc.code).toBe(0);
    expect((await getBusiness(system.database.db, 'biz_cli_utc'))?.timeZone).toBe('UTC');
  });

  it('refuses bad input, naming each problem', async () => {
    const bad = await cli('business', 'create', '--id', 'bad id!', '--time-zone', 'Mars/Base');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--id "bad id!": use 1 to 64 letters, digits');
    expect(bad.stderr).toContain('--name NAME is required');
    expect(bad.stderr).toContain('--time-zone "Mars/Base" is not an IANA time zone');
    expect(await getBusiness(system.database.db, 'bad id!')).toBeNull();
    const missing = await cli('business', 'create', '--name', 'No Id');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--id ID is required');
    const unknown = await cli('business', 'show', 'biz_nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No business "biz_nobody"');
    expect((await cli('business', 'show')).code).toBe(2);
  });

  it('shows the business, its settings and its connection status, never a token or secret', async () => {
    const before = await cli('business', 'show', 'biz_cli');
    expect(before.code).toBe(0);
    expect(before.stdout).toContain('Business:  biz_cli ("CLI Cafe")');
    expect(before.stdout).toContain('Time zone: Asia/Tokyo');
    expect(before.stdout).toContain('Xero:      not connected');
    const settings = JSON.parse(before.stdout.slice(before.stdout.indexOf('{'))) as Record<string, unknown>;
    expect(settings).toMatchObject({
      timeZone: 'Asia/Tokyo',
      salesAccountCode: '200',
      invoiceStatus: 'AUTHORISED',
    });

    await connectToSimulator(system.database.db, 'biz_cli');
    // A real access token is now stored (encrypted) for the business.
    const token = await system.deps.tokens.accessToken('biz_cli');
    expect(token).toMatch(/^sim_at_/);
    const after = await cli('business', 'show', 'biz_cli');
    expect(after.stdout).toContain(`Xero:      active, Custom Connection, (${DEMO_TENANT_ID})`);
    for (const secret of [token, DEMO_CLIENT_SECRET, 'sim_at_', 'sim_rt_'])
      expect(after.stdout + after.stderr).not.toContain(secret);
  });

  it('orders seed --business <existing> adds orders and leaves the business’s name, time zone and settings alone', async () => {
    const created = await cli(
      'business',
      'create',
      '--id',
      'biz_seeded',
      '--name',
      'Seeded Ltd',
      '--time-zone',
      'Europe/Paris',
    );
    expect(created.code).toBe(0);
    const before = await getBusiness(system.database.db, 'biz_seeded');
    const seeded = await cli(
      'orders',
      'seed',
      '--business',
      'biz_seeded',
      '--from',
      '2026-01-05',
      '--to',
      '2026-01-05',
      '--per-day',
      '3',
    );
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toContain('Seeded 3 orders for biz_seeded');
    expect(seeded.stderr).toContain('biz_seeded exists');
    expect(await getBusiness(system.database.db, 'biz_seeded')).toEqual(before);
    const { rows } = await system.database.db.query(
      "SELECT count(*)::int AS n FROM orders WHERE business_id = 'biz_seeded'",
    );
    expect(rows[0].n).toBe(3);
  });
});
