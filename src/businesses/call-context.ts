import { NotConnected } from '../errors';
import type { CallContext } from '../xero/gateway';
import type { Business } from './store';

/** What a caller may add to a business's calls: the request they count for, and the activity's hooks. */
export type CallExtras = Pick<
  CallContext,
  'requestId' | 'signal' | 'heartbeat' | 'onCall' | 'beforeSend' | 'log'
>;

/**
 * How every Xero call for a business is made, built in this one place: its organisation, and within its daily
 * reserve (the calls its live sync keeps), whoever calls: a step, a submit's contact check, a preview, the
 * settings check or the contact picker.
 */
export function callContextFor(business: Business, extras: CallExtras = {}): CallContext {
  if (!business.xeroTenantId)
    throw new NotConnected(`Business ${business.id} has no Xero organisation connected; connect it first.`);
  return {
    businessId: business.id,
    tenantId: business.xeroTenantId,
    dailyReserve: business.settings.dailyQuotaReserve,
    ...extras,
  };
}
