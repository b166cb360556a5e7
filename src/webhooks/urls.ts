import { lookup } from 'node:dns';
import type { LookupAddress, LookupOneOptions, LookupAllOptions } from 'node:dns';
import { promises as dns } from 'node:dns';
import ipaddr from 'ipaddr.js';

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
  const parsed = ipaddr.process(address); // an IPv4-mapped IPv6 address is judged as the IPv4 one
  const range = parsed.range();
  return range === 'unicast' ? undefined : `${address} is a ${range} address`;
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
        `names ${host}, and ${problem}: only public addresses may receive webhooks ` +
          '(WEBHOOK_ALLOW_PRIVATE_URLS=true allows others, for development and tests)',
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
