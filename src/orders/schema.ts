import { z } from 'zod';
import { Channel } from '../contract';
import { decimalFromNumber } from '../money';
import { CONTROL_MESSAGE, PRINTABLE_PATTERN } from '../text';

/**
 * Money is a decimal string such as "11.00", never a JavaScript float, and never negative: Xero refuses negative
 * invoice totals, payments, refunds and discounts, and a negative unit price is not a sale. Amounts of money
 * have at most 2 decimals (cents); unit prices at most 4 (Xero's unitdp=4).
 */
const decimalString = (decimals: number, example: string) =>
  z
    .string({ error: `must be a decimal string such as "${example}" (money is never a JSON number)` })
    .regex(
      new RegExp(`^\\d{1,12}(\\.\\d{1,${decimals}})?$`),
      `must be a decimal string such as "${example}": not negative, at most ${decimals} decimals`,
    );

/** An amount of money: whole cents. */
export const MoneyString = decimalString(2, '11.00');
/** A unit price: up to 4 decimals, as Xero's unitdp=4 takes them. */
export const UnitPriceString = decimalString(4, '5.5000');

/** Text of an order: printable (no control characters), bounded. */
const text = (max: number, min = 0) =>
  z.string().min(min).max(max, `must be at most ${max} characters`).regex(PRINTABLE_PATTERN, CONTROL_MESSAGE);

/** A local time with its offset, on a real day from 1900 (PostgreSQL has no year 0; Xero no dates that old). */
const IsoDateTimeWithOffset = z.iso
  .datetime({
    offset: true,
    error: 'must be an ISO 8601 date-time with its offset, such as "2026-03-14T10:22:00+08:00"',
  })
  .refine((t) => Number(t.slice(0, 4)) >= 1900, { message: 'must be a date-time in 1900 or later' });

const Quantity = z
  .number({ error: 'must be a number such as 2 or 0.5' })
  .positive('must be more than 0')
  .max(1_000_000_000, 'must be at most 1,000,000,000')
  .refine(
    (q) => {
      try {
        return decimalFromNumber(q) > 0n;
      } catch {
        return false;
      }
    },
    { message: 'must have at most 4 decimals (Xero keeps 4), and be at least 0.0001' },
  );

/**
 * The ISO 4217 codes of the currencies in use, as the running Node.js knows them (ICU's data, which follows
 * ISO's amendments: a Node.js update brings a new code). It leaves out what no sale is priced in: the testing and
 * "no currency" codes (XTS, XXX), precious metals (XAU, …), bond units and funds codes (CLF, USN, …), and the
 * withdrawn currencies (DEM, VEF, …); it keeps the special drawing right (XDR) and the sucre (XSU), which Xero's
 * currency list does not have: Xero itself refuses an invoice in a currency the organisation has not enabled.
 */
export const CURRENCY_CODES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export const CurrencyCode = z
  .string({ error: 'must be a 3-letter ISO 4217 code such as "SGD"' })
  .regex(/^[A-Z]{3}$/, { error: 'must be a 3-letter ISO 4217 code in capitals, such as "SGD"', abort: true })
  .refine((code) => CURRENCY_CODES.has(code), {
    // The pattern has passed (abort), so the value is three capital letters, safe to repeat.
    error: (issue) =>
      `${String(issue.input)} is not an ISO 4217 code of a currency in use; send the order's currency, such as "SGD" or "EUR"`,
    abort: true,
  });

export const OrderStatus = z.enum(['completed', 'refunded', 'voided']);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const OrderLine = z.object({
  sku: text(100).optional(),
  description: text(4000, 1),
  quantity: Quantity,
  unitPrice: UnitPriceString,
  discount: MoneyString.default('0.00').describe('Off the line, in money (not a percentage).'),
  taxCode: text(50, 1),
});
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderPayment = z.object({
  id: text(100, 1)
    .optional()
    .describe(
      "The platform's id of this payment, so a later import tells a new payment from a corrected one (without ids, a payment is known by its position in the list).",
    ),
  method: text(50, 1),
  amount: MoneyString,
  paidAt: IsoDateTimeWithOffset,
});
export type OrderPayment = z.infer<typeof OrderPayment>;

/** One refund of an order: its own id tells a second partial refund from a corrected first one. */
export const OrderRefund = z.object({
  id: text(100, 1),
  amount: MoneyString,
  refundedAt: IsoDateTimeWithOffset,
  reason: text(4000).optional(),
});
export type OrderRefund = z.infer<typeof OrderRefund>;

/** One order as the platform exports it (one NDJSON line). Optional fields are ours. */
export const Order = z.object({
  id: text(100, 1),
  number: text(100, 1),
  businessId: text(100, 1),
  channel: Channel,
  location: z.object({ id: text(100, 1), name: text(255, 1) }),
  customer: z
    .object({
      name: text(255).nullable().optional(),
      email: text(255).nullable().optional(),
    })
    .nullable(),
  placedAt: IsoDateTimeWithOffset,
  currency: CurrencyCode,
  pricesIncludeTax: z.boolean(),
  lines: z.array(OrderLine).min(1),
  total: MoneyString,
  payments: z.array(OrderPayment).default([]),
  status: OrderStatus,
  refund: z
    .object({ amount: MoneyString, refundedAt: IsoDateTimeWithOffset, reason: text(4000).optional() })
    .optional(),
  voidedAt: IsoDateTimeWithOffset.optional().describe(
    'When a voided order was voided: the day a void of an order in Xero is dated (else the moment of the import).',
  ),
  refunds: z
    .array(OrderRefund)
    .optional()
    .describe('Every refund of the order, each with its own id (instead of the single `refund`).'),
});
export type Order = z.infer<typeof Order>;
