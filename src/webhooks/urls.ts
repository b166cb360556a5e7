import { lookup } from 'node:dns';
import type { LookupAddress, LookupOneOptions, LookupAllOptions } from 'node:dns';
import { promises as dns } from 'node:dns';
import ipaddr from 'ipaddr.js';
import type { IPv4, IPv6 } from 'ipaddr.js';

/**
 * Which webhook URLs may be called. In production (WEBHOOK_ALLOW_PRIVATE_URLS unset) only https, and only hosts
 * whose every address is public: a URL naming localhost, a private network, link-local (cloud metadata at
 * 169.254.169.254) or any other special range would let a caller make this service reach inside its own
 * network. Checked when an endpoint is registered, and again at every connection (a name may resolve elsewhere
 * later), by the lookup the delivery's socket uses. The flag (development and tests) allows http and any address.
 */
export interface UrlPolicy {
  allowPrivate: boolean;
}

/** Why an address may not be called, or undefined when it may. */
export function addressProblem(address: string, policy: UrlPolicy): string | undefined {
  if (policy.allowPrivate) return undefined;
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const parsed = ipaddr.parse(address.includes(':') ? hexTail(address) : address);
  const problem = parsed.kind() === 'ipv6' ? ipv6Problem(parsed as IPv6) : ipv4Problem(parsed as IPv4);
  return problem && `${address} is ${problem}`;
}

/**
 * An IPv6 address with its dotted IPv4 tail in hex ("::127.0.0.1" → "::7f00:1"), as the system's resolver writes
 * IPv4-compatible addresses: ipaddr.js reads any "::a.b.c.d" as IPv4-mapped (::ffff:a.b.c.d), which would name
 * the wrong range.
 */
function hexTail(address: string): string {
  return address.replace(/(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, (dotted, a, b, c, d) => {
    const octets = [a, b, c, d].map(Number);
    if (octets.some((o) => o > 255)) return dotted;
    const word = (high: number, low: number) => ((high << 8) | low).toString(16);
    return `${word(octets[0]!, octets[1]!)}:${word(octets[2]!, octets[3]!)}`;
  });
}

function ipv4Problem(ip: IPv4): string | undefined {
  const range = ip.range();
  return range === 'unicast' ? undefined : `a ${range} address`;
}

/** The IPv6 ranges that carry an IPv4 address: named for the message, with the address they embed. */
const EMBEDDING: Record<string, { name: string; embedded?: (p: number[]) => [number, number] }> = {
  ipv4Mapped: { name: 'an IPv4-mapped address (::ffff:0:0/96)', embedded: (p) => [p[6]!, p[7]!] },
  rfc6145: { name: 'an IPv4-translated address (::ffff:0:0:0/96)', embedded: (p) => [p[6]!, p[7]!] },
  rfc6052: { name: 'a NAT64 address (64:ff9b::/96 or 64:ff9b:1::/48)' },
  '6to4': { name: 'a 6to4 address (2002::/16)', embedded: (p) => [p[1]!, p[2]!] },
  teredo: { name: 'a Teredo address (2001::/32)' },
};

const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');
const WELL_KNOWN_NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Only global unicast IPv6 (2000::/3) outside every special range, and embedding no IPv4 address: a form that
 * carries one (IPv4-mapped or -compatible, NAT64, 6to4, Teredo, ISATAP) can reach that IPv4 address through a
 * translator or tunnel, private ones included, and ipaddr.js calls some of them (::/96) plain unicast.
 */
function ipv6Problem(ip: IPv6): string | undefined {
  const range = ip.range();
  const known = EMBEDDING[range];
  if (known) {
    const embedded = known.embedded ?? (ip.match(WELL_KNOWN_NAT64) ? lastWords : undefined);
    return known.name + (embedded ? embedding(embedded(ip.parts)) : '');
  }
  if (range !== 'unicast') return `a ${range} address`;
  if (ip.match(IPV4_COMPATIBLE))
    return `an IPv4-compatible address (::/96, deprecated)${embedding(lastWords(ip.parts))}`;
  if (!ip.match(GLOBAL_UNICAST)) return 'not a global unicast address (those are in 2000::/3)';
  // RFC 5214: an interface id of 0000:5efe or 0200:5efe (with the u/l and group bits) carries an IPv4 address.
  if ((ip.parts[4]! & 0xfcff) === 0 && ip.parts[5] === 0x5efe)
    return `an ISATAP address${embedding(lastWords(ip.parts))}`;
  return undefined;
}

function lastWords(parts: number[]): [number, number] {
  return [parts[6]!, parts[7]!];
}

/** ", embedding 10.0.0.1, a private address": the IPv4 address a form carries, and its range when special. */
function embedding([high, low]: [number, number]): string {
  const v4 = new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const range = v4.range();
  return `, embedding ${v4.toString()}${range === 'unicast' ? '' : `, a ${range} address`}`;
}

export class WebhookUrlError extends Error {
  override readonly name = 'WebhookUrlError';
}

const MAX_URL_LENGTH = 2048;
const RESOLVE_TIMEOUT_MS = 3000;

/** The URL's shape: absolute, https (http only with the flag), no credentials or fragment. */
export function parseWebhookUrl(text: string, policy: UrlPolicy): URL {
  if (text.length > MAX_URL_LENGTH)
    throw new WebhookUrlError(`is longer than ${MAX_URL_LENGTH} characters; use a shorter URL`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookUrlError('is not an absolute URL; send e.g. "https://platform.example/hooks/xero-sync"');
  }
  const schemes = policy.allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol))
    throw new WebhookUrlError(
      policy.allowPrivate ? 'must be an http or https URL' : 'must be an https URL (plain http is refused)',
    );
  if (url.username || url.password)
    throw new WebhookUrlError('must not carry a user name or password; authenticate by the signature');
  if (url.hash) throw new WebhookUrlError('must not have a fragment (#…)');
  return url;
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1'); // an IPv6 literal without its brackets
}

/** A URL an endpoint may be registered with: its shape, and (without the flag) only public addresses. */
export async function checkWebhookUrl(text: string, policy: UrlPolicy): Promise<URL> {
  const url = parseWebhookUrl(text, policy);
  if (policy.allowPrivate) return url;
  const host = hostOf(url);
  const addresses = ipaddr.isValid(host) ? [host] : await resolveAll(host);
  for (const address of addresses) {
    const problem = addressProblem(address, policy);
    if (problem)
      throw new WebhookUrlError(
        `names ${host}, and ${problem}: only public addresses may receive webhooks (public IPv4, or global ` +
          'unicast IPv6 that embeds no IPv4 address; ' +
          'WEBHOOK_ALLOW_PRIVATE_URLS=true allows others, for development and tests)',
      );
  }
  return url;
}

async function resolveAll(host: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer')), RESOLVE_TIMEOUT_MS);
  });
  try {
    const found = await Promise.race([dns.lookup(host, { all: true, verbatim: true }), timeout]);
    if (found.length === 0) throw new Error('no address');
    return found.map((a) => a.address);
  } catch {
    throw new WebhookUrlError(`names ${host}, which could not be resolved; check the host name`);
  } finally {
    clearTimeout(timer);
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * The lookup a delivery's socket uses: the system's, then every address checked, so a name that resolves to a
 * private address at delivery time is refused as surely as at registration.
 */
export function guardedLookup(policy: UrlPolicy) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const refused = list.map((a) => addressProblem(a.address, policy)).find(Boolean);
      if (refused) {
        const error: NodeJS.ErrnoException = new Error(`refused: ${refused}`);
        error.code = 'EWEBHOOKADDRESS';
        return callback(error, []);
      }
      if ((options as LookupAllOptions).all) return callback(null, list);
      const first = list[0];
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/** A literal IP host is connected to without any lookup: checked here instead. */
export function literalAddressProblem(url: URL, policy: UrlPolicy): string | undefined {
  const host = hostOf(url);
  return ipaddr.isValid(host) ? addressProblem(host, policy) : undefined;
}
