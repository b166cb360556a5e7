import { decimalFromNumber, parseDecimal, sumDecimal } from '../money';
import type { Decimal4 } from '../money';
import { money2, ONE_CENT, xeroLineAmount, xeroLineTax } from '../xero/amounts';
import type { FieldProblem } from '../errors';
import type { Order } from './schema';

/**
 * What the import can check of an order beyond its shape, so an order that cannot add up fails at import, with
 * its line and field, rather than at sync time. The rules are the invoice mapping's (src/engine/invoice-mapping.ts):
 * Xero rounds each line, and the order's total may differ from Xero's by at most a cent per line.
 */
type OrderProblem = FieldProblem;

/** Tax rate in percent per order tax code, from the business's settings; a code without one is not checked. */
export type TaxRates = ReadonlyMap<string, Decimal4>;

export function taxRatesOf(taxTypes: Record<string, { rate: string }>): TaxRates {
  const rates = new Map<string, Decimal4>();
  for (const [code, { rate }] of Object.entries(taxTypes)) {
    try {
      rates.set(code, parseDecimal(rate));
    } catch {
      // A malformed stored rate is the settings API's to refuse; here it only means "not checked".
    }
  }
  return rates;
}

function lineAmounts(order: Order): Array<{ amount: Decimal4; index: number } | OrderProblem> {
  return order.lines.map((line, index) => {
    const quantity = decimalFromNumber(line.quantity);
    const unit = parseDecimal(line.unitPrice);
    const discount = parseDecimal(line.discount);
    const amount = xeroLineAmount(quantity, unit, 0n) - discount;
    if (amount < 0n)
      return {
        path: `lines.${index}.discount`,
        message: `discount ${line.discount} is larger than the line (${line.quantity} × ${line.unitPrice} = ${money2(xeroLineAmount(quantity, unit, 0n))})`,
      };
    return { amount: xeroLineAmount(quantity, unit, discount), index };
  });
}

/** The order's total as Xero will compute it, if every line's tax rate is known (else only a lower bound). */
function xeroTotal(order: Order, amounts: Array<{ amount: Decimal4; index: number }>, rates: TaxRates) {
  const net = sumDecimal(amounts.map((a) => a.amount));
  if (order.pricesIncludeTax) return { total: net, exact: true };
  let tax = 0n;
  for (const { amount, index } of amounts) {
    const rate = rates.get(order.lines[index]!.taxCode);
    if (rate === undefined) return { total: net, exact: false };
    tax += xeroLineTax(amount, rate, 'Exclusive');
  }
  return { total: net + tax, exact: true };
}

function checkTotal(order: Order, rates: TaxRates): OrderProblem[] {
  const amounts = lineAmounts(order);
  const problems = amounts.filter((a): a is OrderProblem => 'path' in a);
  if (problems.length) return problems;
  const lines = amounts as Array<{ amount: Decimal4; index: number }>;
  const { total, exact } = xeroTotal(order, lines, rates);
  const target = parseDecimal(order.total);
  const tolerance = ONE_CENT * BigInt(order.lines.length);
  const how = order.pricesIncludeTax
    ? 'tax-inclusive lines'
    : exact
      ? 'lines plus their tax'
      : 'lines before tax';
  if (exact ? target - total > tolerance || total - target > tolerance : total - target > tolerance)
    return [
      {
        path: 'total',
        message: `${order.total} does not add up: its ${how} come to ${money2(total)} as Xero rounds them (at most ${money2(tolerance)} of rounding for ${order.lines.length} line(s)); check for a missing line (shipping, surcharge) or a wrong total`,
      },
    ];
  return [];
}

function checkPayments(order: Order): OrderProblem[] {
  const total = parseDecimal(order.total);
  const paid = sumDecimal(order.payments.map((p) => parseDecimal(p.amount)));
  const problems: OrderProblem[] = [];
  if (paid > total)
    problems.push({
      path: 'payments',
      message: `add up to ${money2(paid)}, more than the order total ${order.total}; an overpayment cannot be recorded on the invoice`,
    });
  if (order.refund) {
    const refund = parseDecimal(order.refund.amount);
    if (refund === 0n) problems.push({ path: 'refund.amount', message: 'must be more than 0.00' });
    if (refund > total)
      problems.push({
        path: 'refund.amount',
        message: `${order.refund.amount} is more than the order total ${order.total}`,
      });
  }
  return problems;
}

/** Ids name one payment or refund each; `refunds[]` replaces the single `refund` and means money went back. */
function checkIds(order: Order): OrderProblem[] {
  const problems: OrderProblem[] = [];
  const repeated = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);
  const paymentIds = repeated(order.payments.flatMap((p) => (p.id === undefined ? [] : [p.id])));
  if (paymentIds.length)
    problems.push({
      path: 'payments',
      message: `payment id ${paymentIds[0]} appears twice; each payment its own id`,
    });
  if (!order.refunds) return problems;
  if (order.refund)
    problems.push({
      path: 'refunds',
      message:
        'give either refunds[] or the single refund, not both (the single refund is refunds[] with one refund of id "refund")',
    });
  const refundIds = repeated(order.refunds.map((r) => r.id));
  if (refundIds.length)
    problems.push({
      path: 'refunds',
      message: `refund id ${refundIds[0]} appears twice; each refund its own id`,
    });
  if (order.refunds.length > 0 && order.status === 'completed')
    problems.push({
      path: 'status',
      message: 'is completed but refunds[] lists refunds; a refunded order has status "refunded"',
    });
  return problems;
}

function checkRefunds(order: Order): OrderProblem[] {
  if (!order.refunds) return [];
  const problems: OrderProblem[] = [];
  for (const [i, r] of order.refunds.entries())
    if (parseDecimal(r.amount) === 0n)
      problems.push({ path: `refunds.${i}.amount`, message: 'must be more than 0.00' });
  const refunded = sumDecimal(order.refunds.map((r) => parseDecimal(r.amount)));
  if (refunded > parseDecimal(order.total))
    problems.push({
      path: 'refunds',
      message: `add up to ${money2(refunded)}, more than the order total ${order.total}`,
    });
  return problems;
}

/** Every consistency problem of an order that passed the schema, each naming its field. */
export function checkOrder(order: Order, rates: TaxRates): OrderProblem[] {
  const ids = checkIds(order);
  // A voided order is never pushed, so what it says about money cannot reach Xero.
  if (order.status === 'voided') return ids;
  return [...ids, ...checkTotal(order, rates), ...checkPayments(order), ...checkRefunds(order)];
}
