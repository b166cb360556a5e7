import { addressProblem, checkWebhookUrl, guardedLookup, parseWebhookUrl } from '../../src/webhooks/urls';
import type { UrlPolicy } from '../../src/webhooks/urls';

const STRICT: UrlPolicy = { allowPrivate: false };
const OPEN: UrlPolicy = { allowPrivate: true };

describe('webhook URLs', () => {
  it('refuses every private, loopback, link-local and special address in production, public ones pass', () => {
    const refused = {
      '127.0.0.1': 'loopback',
      '127.8.9.10': 'loopback',
      '10.0.0.1': 'private',
      '172.16.5.4': 'private',
      '192.168.1.1': 'private',
      '169.254.169.254': 'linkLocal',
      '100.64.0.1': 'carrierGradeNat',
      '0.0.0.0': 'unspecified',
      '224.0.0.1': 'multicast',
      '::1': 'loopback',
      '::': 'unspecified',
      'fe80::1': 'linkLocal',
      'fc00::1': 'uniqueLocal',
      '::ffff:10.0.0.1': 'private',
      '::ffff:127.0.0.1': 'loopback',
    };
    for (const [address, range] of Object.entries(refused)) {
      expect(addressProblem(address, STRICT)).toBe(`${address} is a ${range} address`);
      expect(addressProblem(address, OPEN)).toBeUndefined();
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::6810:84e5'])
      expect(addressProblem(address, STRICT)).toBeUndefined();
  });

  it('takes https only in production, http too with the flag; never credentials or a fragment', () => {
    expect(parseWebhookUrl('https://hooks.example.com/x?y=1', STRICT).href).toBe(
      'https://hooks.example.com/x?y=1',
    );
    expect(() => parseWebhookUrl('http://hooks.example.com/x', STRICT)).toThrow(/must be an https URL/);
    expect(parseWebhookUrl('http://127.0.0.1:8080/x', OPEN).port).toBe('8080');
    expect(() => parseWebhookUrl('ftp://hooks.example.com/', OPEN)).toThrow(/http or https/);
    expect(() => parseWebhookUrl('hooks.example.com/x', STRICT)).toThrow(/not an absolute URL/);
    expect(() => parseWebhookUrl('https://a:b@hooks.example.com/', STRICT)).toThrow(/user name or password/);
    expect(() => parseWebhookUrl('https://hooks.example.com/#frag', STRICT)).toThrow(/fragment/);
    expect(() => parseWebhookUrl(`https://hooks.example.com/${'x'.repeat(2100)}`, STRICT)).toThrow(
      /longer than/,
    );
  });

  it('resolves a name at registration and refuses it when any of its addresses is private', async () => {
    await expect(checkWebhookUrl('https://localhost/hooks', STRICT)).rejects.toThrow(
      /names localhost, and .* loopback/,
    );
    await expect(checkWebhookUrl('https://0x7f.1/hooks', STRICT)).rejects.toThrow(
      /127\.0\.0\.1 is a loopback/,
    );
    await expect(checkWebhookUrl('https://[::1]:8443/hooks', STRICT)).rejects.toThrow(/::1 is a loopback/);
    await expect(checkWebhookUrl('https://name.invalid/hooks', STRICT)).rejects.toThrow(
      /could not be resolved/,
    );
    await expect(checkWebhookUrl('https://93.184.216.34/hooks', STRICT)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('http://localhost:9/hooks', OPEN)).resolves.toBeInstanceOf(URL);
  });

  it('refuses a private address again when the delivery connects (a name may resolve elsewhere later)', async () => {
    const lookup = (policy: UrlPolicy, all: boolean) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
        guardedLookup(policy)('localhost', { all } as never, (err, address) => resolve({ err, address })),
      );
    const strict = await lookup(STRICT, false);
    expect(strict.err?.code).toBe('EWEBHOOKADDRESS');
    expect(strict.err?.message).toMatch(/^refused: .* is a loopback address$/);
    const open = await lookup(OPEN, false);
    expect(open.err).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(open.address);
    const all = await lookup(OPEN, true);
    expect(Array.isArray(all.address)).toBe(true);
  });
});
