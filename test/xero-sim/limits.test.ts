import { call, expectConformance, http, startHarness, xeroClient, type Harness } from './support/harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
expectConformance(() => h);

describe('rate limits', () => {
  it('answers the 61st call within one minute with 429, Retry-After and X-Rate-Limit-Problem: minute', async () => {
    h = await startHarness({ limits: { perMinute: 60 } as never });
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await http(h, 'GET', '/Currencies')).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const limited = await http(h, 'GET', '/Currencies');
    expect(limited.status).toBe(429);
    expect(limited.headers['x-rate-limit-problem']).toBe('minute');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    const viaSdk = await call(h.xero.accountingApi.getCurrencies(h.tenantId));
    expect(viaSdk.status).toBe(429);
    expect(viaSdk.headers['x-rate-limit-problem']).toBe('minute');
  });

  it('puts X-DayLimit-Remaining, X-MinLimit-Remaining and X-AppMinLimit-Remaining on every response', async () => {
    h = await startHarness({ limits: { perMinute: 60, perDay: 5000, appPerMinute: 10_000 } as never });
    const first = await http(h, 'GET', '/Currencies');
    const second = await http(h, 'GET', '/Invoices/00000000-0000-0000-0000-000000000000');
    expect(first.headers).toMatchObject({ 'x-daylimit-remaining': '4999', 'x-minlimit-remaining': '59' });
    expect(first.headers['x-appminlimit-remaining']).toBe('9999');
    expect(second.status).toBe(404);
    expect(second.headers).toMatchObject({
      'x-daylimit-remaining': '4998',
      'x-minlimit-remaining': '58',
      'x-appminlimit-remaining': '9998',
    });
  });

  it('refuses a sixth call in flight with X-Rate-Limit-Problem: concurrent', async () => {
    h = await startHarness({ limits: { concurrent: 5 } as never, faults: [{ latencyMs: 300 }] });
    const harness = h;
    const results = await Promise.all(Array.from({ length: 6 }, () => http(harness, 'GET', '/Currencies')));
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(1);
    expect(limited[0]?.headers['x-rate-limit-problem']).toBe('concurrent');
    expect(h.running.sim.stats().tenants[h.tenantId]?.peakInFlight).toBe(5);
  });

  it('enforces a daily limit in a fixed window that resets at a different time per tenant', async () => {
    h = await startHarness({ limits: { perDay: 3 } as never });
    const sim = h.running.sim;
    const dayStart = Math.floor(sim.clock.now() / 86_400_000) * 86_400_000;
    const nowInDay = (sim.clock.now() - dayStart) / 1000;
    // Two tenants whose windows reset 1 h and 3 h from now.
    const early = sim.createTenant({ dayResetOffsetSeconds: (nowInDay + 3600) % 86_400 });
    const late = sim.createTenant({ dayResetOffsetSeconds: (nowInDay + 3 * 3600) % 86_400 });
    const token = sim.issueAccessToken([early.tenantId, late.tenantId]).access_token;
    const retryAfter: number[] = [];
    for (const tenant of [early, late]) {
      for (let i = 0; i < 3; i++)
        expect((await http(h, 'GET', '/Currencies', { token, tenantId: tenant.tenantId })).status).toBe(200);
      const limited = await http(h, 'GET', '/Currencies', { token, tenantId: tenant.tenantId });
      expect(limited.status).toBe(429);
      expect(limited.headers['x-rate-limit-problem']).toBe('day');
      expect(limited.headers['x-daylimit-remaining']).toBe('0');
      retryAfter.push(Number(limited.headers['retry-after']));
    }
    expect(retryAfter[0]).toBeGreaterThan(3500);
    expect(retryAfter[0]).toBeLessThanOrEqual(3600);
    expect(retryAfter[1]).toBeGreaterThan(3 * 3600 - 100);
    sim.advanceClock(3601);
    // An hour later the 30-minute access token has expired too: a fresh one is needed.
    expect((await http(h, 'GET', '/Currencies', { token, tenantId: early.tenantId })).status).toBe(401);
    const fresh = sim.issueAccessToken([early.tenantId, late.tenantId]).access_token;
    expect((await http(h, 'GET', '/Currencies', { token: fresh, tenantId: early.tenantId })).status).toBe(
      200,
    );
    expect((await http(h, 'GET', '/Currencies', { token: fresh, tenantId: late.tenantId })).status).toBe(429);
  });

  it('limits one app to appPerMinute calls across all its tenants', async () => {
    h = await startHarness({ limits: { appPerMinute: 4 } as never });
    const other = h.running.sim.createTenant();
    const token = h.running.sim.issueAccessToken([h.tenantId, other.tenantId]).access_token;
    for (const tenantId of [h.tenantId, other.tenantId, h.tenantId, other.tenantId]) {
      expect((await http(h, 'GET', '/Currencies', { token, tenantId })).status).toBe(200);
    }
    const limited = await http(h, 'GET', '/Currencies', { token, tenantId: other.tenantId });
    expect(limited.status).toBe(429);
    expect(limited.headers['x-rate-limit-problem']).toBe('appminute');
    expect(limited.headers['x-appminlimit-remaining']).toBe('0');
  });

  it('scales time: with timeScale 60 a minute lasts a real second and Retry-After is in real seconds', async () => {
    h = await startHarness({ timeScale: 60, limits: { perMinute: 5 } as never });
    const xero = await xeroClient(h.running, h.accessToken);
    for (let i = 0; i < 5; i++)
      expect((await call(xero.accountingApi.getCurrencies(h.tenantId))).status).toBe(200);
    const limited = await http(h, 'GET', '/Currencies');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await http(h, 'GET', '/Currencies')).status).toBe(200);
  });
});
