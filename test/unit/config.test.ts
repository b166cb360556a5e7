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

  it('refuses private webhook URLs unless WEBHOOK_ALLOW_PRIVATE_URLS is "true"; anything else is an error', () => {
    expect(parseConfig({}).WEBHOOK_ALLOW_PRIVATE_URLS).toBe(false);
    expect(parseConfig({ WEBHOOK_ALLOW_PRIVATE_URLS: '' }).WEBHOOK_ALLOW_PRIVATE_URLS).toBe(false);
    expect(parseConfig({ WEBHOOK_ALLOW_PRIVATE_URLS: 'false' }).WEBHOOK_ALLOW_PRIVATE_URLS).toBe(false);
    expect(parseConfig({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }).WEBHOOK_ALLOW_PRIVATE_URLS).toBe(true);
    expect(() => parseConfig({ WEBHOOK_ALLOW_PRIVATE_URLS: 'yes' })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE_URLS: true or false/,
    );
    const cfg = parseConfig({});
    expect([
      cfg.WEBHOOK_ATTEMPT_TIMEOUT_MS,
      cfg.WEBHOOK_BACKOFF_INITIAL_MS,
      cfg.WEBHOOK_RETRY_FOR_MS,
    ]).toEqual([10_000, 5000, 86_400_000]);
    expect(cfg.WORKER_HTTP_PORT).toBeUndefined();
    expect(parseConfig({ WORKER_HTTP_PORT: '9464' }).WORKER_HTTP_PORT).toBe(9464);
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

  it('simulates Xero only when no Xero URL or credentials are set, and says which one is', () => {
    expect(parseConfig({}).xeroConfiguredBy).toEqual([]);
    for (const env of [
      { XERO_API_URL: 'http://127.0.0.1:9/api.xro/2.0' },
      { XERO_IDENTITY_URL: 'http://127.0.0.1:9' },
      { XERO_CLIENT_ID: 'app', XERO_CLIENT_SECRET: 'secret' },
    ]) {
      const cfg = parseConfig(env);
      expect(cfg.xeroSimulated).toBe(false);
      expect(cfg.xeroConfiguredBy).toEqual([Object.keys(env)[0]]);
    }
  });

  it('treats an empty XERO_API_URL / XERO_IDENTITY_URL as unset: the defaults, and the simulator', () => {
    const cfg = parseConfig({ XERO_API_URL: '', XERO_IDENTITY_URL: '' });
    expect(cfg.XERO_API_URL).toBe('https://api.xero.com/api.xro/2.0');
    expect(cfg.xeroSimulated).toBe(true);
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

  it('accepts a 32-byte base64 TOKEN_ENCRYPTION_KEY and refuses anything else, naming the variable', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(parseConfig({ TOKEN_ENCRYPTION_KEY: key }).TOKEN_ENCRYPTION_KEY).toBe(key);
    expect(() => parseConfig({ TOKEN_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') })).toThrow(
      /TOKEN_ENCRYPTION_KEY: 32 random bytes, base64/,
    );
    expect(() => parseConfig({ TOKEN_ENCRYPTION_OLD_KEYS: `${key},short` })).toThrow(
      /TOKEN_ENCRYPTION_OLD_KEYS: a comma-separated list of keys/,
    );
    expect(ConfigSchema.parse({}).TOKEN_ENCRYPTION_KEY).toBeUndefined();
  });

  it('defaults the OAuth redirect URI to this API and the scopes to the granular ones a 2026 app may have', () => {
    const cfg = parseConfig({ API_PORT: '3100' });
    expect(cfg.xeroRedirectUri).toBe('http://127.0.0.1:3100/xero/callback');
    expect(cfg.xeroScopes.split(' ').sort()).toEqual(
      [
        'accounting.contacts',
        'accounting.invoices',
        'accounting.payments',
        'accounting.settings.read',
        'offline_access',
      ].sort(),
    );
    expect(cfg.xeroScopes).not.toMatch(/accounting\.transactions|accounting\.settings(?!\.read)/);
    const legacy = parseConfig({ XERO_LEGACY_SCOPES: 'true' }).xeroScopes.split(' ');
    expect(legacy).toEqual(expect.arrayContaining(['accounting.transactions', 'offline_access']));
    expect(parseConfig({ XERO_SCOPES: 'a b', XERO_LEGACY_SCOPES: 'true' }).xeroScopes).toBe('a b');
    expect(parseConfig({ XERO_REDIRECT_URI: 'https://sync.example.com/xero/callback' }).xeroRedirectUri).toBe(
      'https://sync.example.com/xero/callback',
    );
  });

  it('builds page links on PUBLIC_URL (else the API address) and lets only configured origins frame the page', () => {
    expect(parseConfig({ API_PORT: '3100' }).publicUrl).toBe('http://127.0.0.1:3100');
    const cfg = parseConfig({
      PUBLIC_URL: 'https://sync.example.com/',
      PAGE_FRAME_ANCESTORS: 'https://platform.example.com, https://admin.example.com:8443',
      PAGE_COOKIE_SAMESITE: 'none',
    });
    expect(cfg.publicUrl).toBe('https://sync.example.com');
    expect(cfg.pageFrameAncestors).toEqual([
      'https://platform.example.com',
      'https://admin.example.com:8443',
    ]);
    expect(parseConfig({}).pageFrameAncestors).toEqual([]);
    // An origin is scheme, host and port: a path or a wildcard is refused, naming the variable.
    for (const bad of ['https://platform.example.com/embed', '*', 'platform.example.com'])
      expect(() => parseConfig({ PAGE_FRAME_ANCESTORS: bad })).toThrow(
        /PAGE_FRAME_ANCESTORS: origins such as/,
      );
    // Browsers drop SameSite=None cookies that are not Secure: that needs the page on https.
    expect(() => parseConfig({ PAGE_COOKIE_SAMESITE: 'none' })).toThrow(
      /PAGE_COOKIE_SAMESITE: "none" needs PUBLIC_URL on https/,
    );
  });
});
