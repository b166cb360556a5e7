import type { TrackingCategory } from 'xero-node';
import type { Business } from '../../src/businesses/store';
import { DEFAULT_SETTINGS } from '../../src/businesses/store';
import { TrackingCategoryCache } from '../../src/businesses/tracking-categories';
import { NotConnected } from '../../src/errors';
import { parseXeroError, XeroApiError } from '../../src/xero/errors';
import type { XeroGateway } from '../../src/xero/gateway';
import { trackingWords } from '../../src/web/client/tracking-words';

/**
 * The tracking categories the Settings view offers (src/businesses/tracking-categories.ts): active ones only, one
 * Xero read a minute per organisation, a missing scope in words; and the page's words for a tracking refusal.
 */

const business: Business = {
  id: 'biz_1',
  name: 'Biz',
  timeZone: 'Asia/Singapore',
  xeroTenantId: 'tenant-1',
  settings: DEFAULT_SETTINGS,
};

const STORE = {
  trackingCategoryID: 'aaaaaaaa-0000-4000-8000-000000000001',
  name: 'Store',
  status: 'ACTIVE',
  options: [
    { trackingOptionID: 'aaaaaaaa-0000-4000-8000-000000000002', name: 'Orchard', status: 'ACTIVE' },
    { trackingOptionID: 'aaaaaaaa-0000-4000-8000-000000000003', name: 'Closed', status: 'ARCHIVED' },
  ],
} as unknown as TrackingCategory;
const OLD = {
  trackingCategoryID: 'x',
  name: 'Old',
  status: 'ARCHIVED',
  options: [],
} as unknown as TrackingCategory;

function gateway(answer: () => Promise<TrackingCategory[]>) {
  const calls = { count: 0 };
  const fake = {
    getTrackingCategories: () => {
      calls.count += 1;
      return answer();
    },
  } as unknown as XeroGateway;
  return { fake, calls };
}

describe('the tracking categories the Settings view offers', () => {
  it('keeps active categories and options only, and asks Xero again only after a minute', async () => {
    let now = 1_000_000;
    const cache = new TrackingCategoryCache(() => now);
    const { fake, calls } = gateway(async () => [STORE, OLD]);
    const first = await cache.read(fake, business);
    expect(first).toEqual({
      items: [
        {
          id: STORE.trackingCategoryID,
          name: 'Store',
          options: [{ id: 'aaaaaaaa-0000-4000-8000-000000000002', name: 'Orchard' }],
        },
      ],
      readAt: new Date(1_000_000).toISOString(),
      cached: false,
    });
    now += 59_000;
    expect(await cache.read(fake, business)).toEqual({ ...first, cached: true });
    expect(calls.count).toBe(1);
    now += 1_000;
    expect((await cache.read(fake, business)).cached).toBe(false);
    expect(calls.count).toBe(2);
  });

  it('turns a 403 insufficient_scope into words saying which scope to reconnect with, and keeps no failure', async () => {
    const refusal = parseXeroError(
      JSON.stringify({
        response: {
          statusCode: 403,
          headers: { 'www-authenticate': 'Bearer realm="api.xero.com", error="insufficient_scope"' },
          body: { Title: 'Forbidden', Detail: 'AuthorizationUnsuccessful', Status: 403 },
        },
      }),
    );
    expect(refusal).toBeInstanceOf(XeroApiError);
    expect(refusal.insufficientScope).toBe(true);
    const cache = new TrackingCategoryCache(() => 0);
    const { fake, calls } = gateway(() => Promise.reject(refusal));
    const err = (await cache.read(fake, business).catch((e: unknown) => e)) as NotConnected;
    expect(err).toBeInstanceOf(NotConnected);
    expect(err.reconnect).toBe(true);
    expect(err.message).toMatch(
      /^Xero refused to list the tracking categories because the connection was not granted the accounting\.settings\.read scope .*XERO_SCOPES includes accounting\.settings\.read/,
    );
    await expect(cache.read(fake, business)).rejects.toBeInstanceOf(NotConnected);
    expect(calls.count).toBe(2);
  });

  it('puts a refusal in the page’s words: no ids in brackets, statuses as words', () => {
    expect(
      trackingWords(
        'Xero option Closed (aaaaaaaa-0000-4000-8000-000000000003) of tracking category Store is ARCHIVED; its active options: Orchard (aaaaaaaa-0000-4000-8000-000000000002). Several locations may share one option.',
      ),
    ).toBe(
      'Xero option Closed of tracking category Store is archived; its active options: Orchard. Several locations may share one option.',
    );
  });
});
