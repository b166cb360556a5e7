import { HELP, parseCli } from '../../src/xero-sim/cli';
import { startXeroSim } from '../../src/xero-sim';

describe('command line', () => {
  it('documents every flag in --help', () => {
    expect(parseCli(['--help'])).toEqual({ help: true });
    const flags = [
      'port',
      'host',
      'time-scale',
      'seed',
      'tenants',
      'tenant',
      'day-reset-offset',
      'per-minute',
      'concurrent',
      'per-day',
      'app-per-minute',
      'minute-window',
      'day-window',
      'max-body-bytes',
      'access-token-seconds',
      'refresh-grace-seconds',
      'idempotency-window',
      'error-rate',
      'error-status',
      'latency-ms',
      'drop-rate',
      'storm-rate',
      'fault-tenant',
      'faults-writes-only',
      'high-volume',
      'high-volume-max-clauses',
      'high-volume-refuse-methods',
      'high-volume-threshold',
    ];
    for (const flag of flags) expect(HELP).toContain(`--${flag}`);
  });

  it('maps flags to options, staggering the daily reset of extra tenants', () => {
    const parsed = parseCli([
      '--port',
      '0',
      '--time-scale',
      '60',
      '--per-minute',
      '30',
      '--tenants',
      '2',
      '--error-rate',
      '0.1',
      '--faults-writes-only',
    ]);
    if (parsed.help) throw new Error('unexpected help');
    expect(parsed.options).toMatchObject({
      port: 0,
      timeScale: 60,
      limits: { perMinute: 30 },
      faults: [{ errorRate: 0.1, writesOnly: true }],
    });
    expect(parsed.options.tenants).toHaveLength(3);
    const offsets = parsed.options.tenants.map((t) => t.dayResetOffsetSeconds);
    expect(new Set(offsets).size).toBe(3);
    expect(() => parseCli(['--per-minute', 'lots'])).toThrow(/needs a number/);
    const large = parseCli(['--tenants', '1', '--high-volume', '--high-volume-max-clauses', '4']);
    if (large.help) throw new Error('unexpected help');
    expect(large.options.tenants.map((t) => t.highVolume)).toEqual([true, true]);
    expect(large.options.highVolume).toMatchObject({ maxClauses: 4, refuseMethods: false });
    expect(() => parseCli(['--bogus'])).toThrow();
  });

  it('starts with zero config: demo client and demo tenant work through client_credentials', async () => {
    const running = await startXeroSim({ port: 0 });
    try {
      const response = await fetch(`${running.identityUrl}/connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret',
      });
      const { access_token } = (await response.json()) as { access_token: string };
      const connections = await fetch(running.connectionsUrl, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(await connections.json()).toEqual([
        expect.objectContaining({ tenantName: 'Demo Company (SG)' }),
      ]);
    } finally {
      await running.close();
    }
  });
});
