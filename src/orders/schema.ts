import { z } from 'zod';

/** A decimal money string such as "11.00" or "-3.5": money is never a JavaScript float. */
export const MoneyString = z
  .string({ error: 'must be a decimal string such as "11.00" (money is never a JSON number)' })
  .regex(/^-?\d{1,12}(\.\d{1,4})?$/, 'must be a decimal string such as "11.00" (at most 4 decimals)');

const IsoDateTimeWithOffset = z.iso.datetime({ offset: true });

export const Channel = z.enum(['pos', 'online', 'b2b']);
export type Channel = z.infer<typeof Channel>;

export const OrderStatus = z.enum(['completed', 'refunded', 'voided']);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const OrderLine = z.object({
  sku: z.string().max(100).optional(),
  description: z.string().min(1).max(4000),
  quantity: z.number().positive().finite(),
  unitPrice: MoneyString,
  discount: MoneyString.default('0.00'),
  taxCode: z.string().min(1).max(50),
});
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderPayment = z.object({
  method: z.string().min(1).max(50),
  amount: MoneyString,
  paidAt: IsoDateTimeWithOffset,
});
export type OrderPayment = z.infer<typeof OrderPayment>;

/** One order as the platform exports it (one NDJSON line). Optional fields are ours. */
export const Order = z.object({
  id: z.string().min(1).max(100),
  number: z.string().min(1).max(100),
  businessId: z.string().min(1).max(100),
  channel: Channel,
  location: z.object({ id: z.string().min(1).max(100), name: z.string().min(1).max(255) }),
  customer: z
    .object({
      name: z.string().max(255).nullable().optional(),
      email: z.string().max(255).nullable().optional(),
    })
    .nullable(),
  placedAt: IsoDateTimeWithOffset,
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code such as "SGD"'),
  pricesIncludeTax: z.boolean(),
  lines: z.array(OrderLine).min(1),
  total: MoneyString,
  payments: z.array(OrderPayment).default([]),
  status: OrderStatus,
  refund: z
    .object({ amount: MoneyString, refundedAt: IsoDateTimeWithOffset, reason: z.string().optional() })
    .optional(),
});
export type Order = z.infer<typeof Order>;
