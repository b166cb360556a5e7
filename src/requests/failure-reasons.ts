import type { FailureReason } from '../contract';

/**
 * Why an order failed, in words a merchant can act on, and who can fix it: the merchant on the Manual Syncing
 * page (a setting, named so the page can link to it), the accountant in Xero (a lock date, an archived contact, a
 * currency not enabled), or support (anything else). Read from the stored failure text, which is either the
 * engine's own sentence (src/engine/invoice-mapping.ts, organisation-rules.ts, contacts-step.ts) or Xero's
 * validation message; test/unit/failure-reasons.test.ts classifies the engine's real sentences, so a reworded one
 * that no longer matches fails there. `detail` is that text without the order's internal id.
 */

interface Rule {
  code: FailureReason['code'];
  fixedBy: FailureReason['fixedBy'];
  setting: FailureReason['setting'];
  pattern: RegExp;
  text: (match: RegExpExecArray) => string;
}

const RETRY = 'then retry the failed orders.';

const RULES: Rule[] = [
  {
    code: 'unmapped_tax_code',
    fixedBy: 'merchant',
    setting: 'taxTypes',
    pattern: /uses tax code "([^"]*)", which has no Xero tax type/,
    text: (m) => `Tax code "${m[1]}" has no Xero tax rate in your tax mapping. Add it in Settings, ${RETRY}`,
  },
  {
    code: 'tax_type_not_in_xero',
    fixedBy: 'merchant',
    setting: 'taxTypes',
    pattern: /The TaxType code (\S+) does not exist or cannot be used/,
    text: (m) =>
      `Your tax mapping sends Xero the tax type ${m[1]}, which this Xero organisation does not have for sales. Pick another in Settings, ${RETRY}`,
  },
  {
    code: 'lock_date',
    fixedBy: 'accountant',
    setting: null,
    pattern: /lock date/i,
    text: () =>
      `The order is dated in a period that is locked in Xero. Ask your accountant to move the lock date in Xero, ${RETRY}`,
  },
  {
    code: 'archived_contact',
    fixedBy: 'accountant',
    setting: null,
    pattern: /contact "[^"]*" is archived|contact .*\barchived\b/i,
    text: () => `The order's Xero contact is archived. Ask your accountant to restore it in Xero, ${RETRY}`,
  },
  {
    code: 'currency_not_enabled',
    fixedBy: 'accountant',
    setting: null,
    pattern: /does not have ([A-Z]{3}) enabled|currency code ([A-Z]{3}) is not valid/,
    text: (m) =>
      `The order is in ${m[1] ?? m[2]}, a currency not enabled in this Xero organisation. Ask your accountant to add it in Xero, ${RETRY}`,
  },
];

const SUPPORT =
  'Xero could not take this order, and nothing on this page can fix it. Contact support with the order number and the details below.';

/** The failure text without the order's internal id: "Order POS-1 (ord_x) line 1 …" → "Order POS-1 line 1 …". */
export function withoutInternalIds(message: string, orderId: string): string {
  return message
    .split(` (${orderId})`)
    .join('')
    .replace(/ \((?:synced by )?request sr_[a-z0-9]+\)/g, '');
}

/** Classifies a failed order's stored text. */
export function failureReason(message: string, orderId: string): FailureReason {
  const detail = withoutInternalIds(message, orderId);
  for (const rule of RULES) {
    const match = rule.pattern.exec(message);
    if (match)
      return {
        code: rule.code,
        fixedBy: rule.fixedBy,
        setting: rule.setting,
        text: rule.text(match),
        detail,
      };
  }
  return { code: 'other', fixedBy: 'support', setting: null, text: SUPPORT, detail };
}
