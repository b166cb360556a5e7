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
      'fec0::1': 'deprecatedSiteLocal',
      'ff02::1': 'multicast',
      '2001:db8::1': 'reserved', // documentation
      '3fff::1': 'reserved', // documentation (RFC 9637)
      '100::1': 'discard',
      '2001:2::1': 'benchmarking',
      '5f00::1': 'segmentRouting',
    };
    for (const [address, range] of Object.entries(refused)) {
      expect(addressProblem(address, STRICT)).toBe(`${address} is a ${range} address`);
      expect(addressProblem(address, OPEN)).toBeUndefined();
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::6810:84e5'])
      expect(addressProblem(address, STRICT)).toBeUndefined();
  });

  it('takes only global unicast IPv6 that embeds no IPv4 address, naming the form and what it embeds', () => {
    const refused = {
      // IPv4-compatible (::/96): ipaddr.js calls it unicast, and a resolver writes it with a dotted tail.
      '::7f00:1': 'an IPv4-compatible address (::/96, deprecated), embedding 127.0.0.1, a loopback address',
      '::127.0.0.1':
        'an IPv4-compatible address (::/96, deprecated), embedding 127.0.0.1, a loopback address',
      '::808:808': 'an IPv4-compatible address (::/96, deprecated), embedding 8.8.8.8',
      '::ffff:10.0.0.1': 'an IPv4-mapped address (::ffff:0:0/96), embedding 10.0.0.1, a private address',
      '::ffff:127.0.0.1': 'an IPv4-mapped address (::ffff:0:0/96), embedding 127.0.0.1, a loopback address',
      '::ffff:8.8.8.8': 'an IPv4-mapped address (::ffff:0:0/96), embedding 8.8.8.8',
      '::ffff:0:a00:1': 'an IPv4-translated address (::ffff:0:0:0/96), embedding 10.0.0.1, a private address',
      '64:ff9b::a9fe:a9fe':
        'a NAT64 address (64:ff9b::/96 or 64:ff9b:1::/48), embedding 169.254.169.254, a linkLocal address',
      '64:ff9b:1::1': 'a NAT64 address (64:ff9b::/96 or 64:ff9b:1::/48)',
      '2002:c0a8:101::1': 'a 6to4 address (2002::/16), embedding 192.168.1.1, a private address',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2': 'a Teredo address (2001::/32)',
      '2001:470:1f0b::200:5efe:a00:1': 'an ISATAP address, embedding 10.0.0.1, a private address',
      '2001:470:1f0b::5efe:808:808': 'an ISATAP address, embedding 8.8.8.8',
      '1::1': 'not a global unicast address (those are in 2000::/3)',
      '4000::1': 'not a global unicast address (those are in 2000::/3)',
      'e000::1': 'not a global unicast address (those are in 2000::/3)',
    };
    for (const [address, problem] of Object.entries(refused)) {
      expect([address, addressProblem(address, STRICT)]).toEqual([address, `${address} is ${problem}`]);
      expect(addressProblem(address, OPEN)).toBeUndefined();
    }
    for (const address of ['2001:4860:4860::8888', '2a00:1450:4001:80e::200e', '2400:cb00::1'])
      expect([address, addressProblem(address, STRICT)]).toEqual([address, undefined]);
  });

  it('refuses an IPv4-compatible URL host, which the URL parser writes in hex', async () => {
    await expect(checkWebhookUrl('https://[::127.0.0.1]/hooks', STRICT)).rejects.toThrow(
      'names ::7f00:1, and ::7f00:1 is an IPv4-compatible address (::/96, deprecated), embedding 127.0.0.1, ' +
        'a loopback address: only public addresses may receive webhooks (public IPv4, or global unicast IPv6 ' +
        'that embeds no IPv4 address; WEBHOOK_ALLOW_PRIVATE_URLS=true allows others, for development and tests)',
    );
    await expect(checkWebhookUrl('https://[64:ff9b::10.0.0.1]/hooks', STRICT)).rejects.toThrow(/NAT64/);
    await expect(checkWebhookUrl('https://[2001:4860:4860::8888]/hooks', STRICT)).resolves.toBeInstanceOf(
      URL,
    );
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
