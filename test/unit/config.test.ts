import { ConfigError, ConfigSchema, parseConfig } from '../../src/config';

describe('configuration', () => {
  it('runs on embedded defaults with an empty environment, in simulator mode', () => {
    const cfg = parseConfig({});
    expect(cfg.API_PORT).toBe(3000);
    expect(cfg.TEMPORAL_ADDRESS).toBeUndefined();
    expect(cfg.DATABASE_URL).toBeUndefined();
    expect(cfg.xeroSimulated).toBe(true);
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('names every bad variable and says what is expected', () => {
    let error: unknown;
    try {
      parseConfig({ API_PORT: 'eighty', DATABASE_URL: 'not a url', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^API_PORT: .*number/m);
    expect(problems).toMatch(/^DATABASE_URL: .*URL/im);
    expect(problems).toMatch(/^LOG_LEVEL: .*"debug"/m);
  });

  it('refuses half a set of Xero credentials', () => {
    expect(() => parseConfig({ XERO_CLIENT_ID: 'abc' })).toThrow(
      /XERO_CLIENT_ID \/ XERO_CLIENT_SECRET: set both/,
    );
  });

  it('gives no secret a default', () => {
    const defaults = ConfigSchema.parse({});
    expect(defaults.XERO_CLIENT_SECRET).toBeUndefined();
    expect(defaults.XERO_CLIENT_ID).toBeUndefined();
    expect(defaults.DATABASE_URL).toBeUndefined();
  });

  it('treats an empty optional variable as unset, as .env.example leaves them', () => {
    const cfg = parseConfig({
      TEMPORAL_ADDRESS: '',
      DATABASE_URL: '',
      XERO_CLIENT_ID: '',
      XERO_CLIENT_SECRET: '',
    });
    expect(cfg.TEMPORAL_ADDRESS).toBeUndefined();
    expect(cfg.xeroSimulated).toBe(true);
  });
});
