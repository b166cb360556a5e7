import type { PreviewWarning } from '../../contract';
import { plural } from './plural';

/**
 * A preview warning in the page's words. One that names codes says which, and how many orders use each (the API's
 * `perCode`), so "1 tax code ("GST9X", on 3 orders)" tells the merchant what to map and what it holds back.
 */
export function warningWords(w: PreviewWarning): string {
  const named = (w.perCode ?? w.examples.map((code) => ({ code, orders: null })))
    .map(({ code, orders }) => (orders === null ? `"${code}"` : `"${code}" on ${plural(orders, 'order')}`))
    .join(', ');
  const more = w.count > w.examples.length ? `, and ${w.count - w.examples.length} more` : '';
  const has = w.count === 1 ? 'has' : 'have';
  if (w.code === 'unmapped_tax_code')
    return `${plural(w.count, 'tax code')} (${named}${more}) ${has} no Xero tax rate in your Settings: those orders will fail until ${w.count === 1 ? 'it is' : 'they are'} added.`;
  if (w.code === 'unmapped_payment_method')
    return `${plural(w.count, 'payment method')} (${named}${more}) ${has} no Xero bank account in your Settings: those payments will not be recorded.`;
  return w.message;
}
