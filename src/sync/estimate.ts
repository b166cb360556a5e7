/**
 * Call and time estimates shown before a job starts and while it runs. Integers only; each estimate is an upper
 * bound, because running out of daily quota part-way stops the business's live sync too (it shares the budget).
 */

const SECONDS_PER_DAY = 86_400;

export interface CallEstimateInput {
  orders: number;
  withPayments: boolean;
  /** Payments to create (an order paid in two ways counts twice). */
  paidOrders: number;
  refundedOrders: number;
  /** Distinct contact names not yet known to exist in Xero. */
  newContacts: number;
  invoicesPerCall?: number;
  paymentsPerCall?: number;
}

export interface CallEstimate {
  invoices: number;
  payments: number;
  creditNotes: number;
  allocations: number;
  contacts: number;
  total: number;
}

function requireCount(name: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${name} must be a whole number >= ${min}`);
}

function batches(items: number, perCall: number): number {
  return Math.ceil(items / perCall);
}

/**
 * Invoices and credit notes go in batches; payments (and refunds paid out of credit notes) share payment batches;
 * each credit note allocation is its own call (PUT /CreditNotes/{id}/Allocations); each new contact costs one
 * lookup plus its share of a batched create.
 */
export function estimateCalls(input: CallEstimateInput): CallEstimate {
  const { orders, withPayments, paidOrders, refundedOrders, newContacts } = input;
  const invoicesPerCall = input.invoicesPerCall ?? 50;
  const paymentsPerCall = input.paymentsPerCall ?? 50;
  requireCount('orders', orders);
  requireCount('paidOrders', paidOrders);
  requireCount('refundedOrders', refundedOrders);
  requireCount('newContacts', newContacts);
  requireCount('invoicesPerCall', invoicesPerCall, 1);
  requireCount('paymentsPerCall', paymentsPerCall, 1);
  const invoices = batches(orders, invoicesPerCall);
  const creditNotes = batches(refundedOrders, invoicesPerCall);
  const allocations = refundedOrders;
  const payments = withPayments ? batches(paidOrders + refundedOrders, paymentsPerCall) : 0;
  const contacts = newContacts + batches(newContacts, invoicesPerCall);
  return {
    invoices,
    payments,
    creditNotes,
    allocations,
    contacts,
    total: invoices + payments + creditNotes + allocations + contacts,
  };
}

export interface QuotaInput {
  calls: number;
  dayRemaining: number;
  dayLimit: number;
  /** Calls left untouched each day for the business's live sync. */
  reserve: number;
}

function usableToday(dayRemaining: number, reserve: number): number {
  return Math.max(0, dayRemaining - reserve);
}

function usablePerDay(dayLimit: number, reserve: number): number {
  const perDay = dayLimit - reserve;
  if (perDay <= 0)
    throw new RangeError(`reserve (${reserve}) leaves nothing of the daily limit (${dayLimit})`);
  return perDay;
}

/** Daily quota windows the job touches: 1 when it fits in what is left today (beyond the reserve). */
export function estimateQuotaWindows({ calls, dayRemaining, dayLimit, reserve }: QuotaInput): number {
  requireCount('calls', calls);
  const today = usableToday(dayRemaining, reserve);
  if (calls <= today) return 1;
  const later = Math.ceil((calls - today) / usablePerDay(dayLimit, reserve));
  return today > 0 ? 1 + later : later;
}

export interface EtaInput {
  remainingCalls: number;
  perMinute: number;
  dayRemaining: number;
  reserve: number;
  secondsUntilDayReset: number;
  dayLimit: number;
}

function pacingSeconds(calls: number, perMinute: number): number {
  return Math.ceil((calls * 60) / perMinute);
}

/**
 * Seconds until the remaining calls are done: minute pacing while daily quota lasts; when it runs out, wait for the
 * reset, then a full day per further window (or longer, if pacing is so slow a day's budget takes more than a day).
 */
export function etaSeconds(input: EtaInput): number {
  const { remainingCalls, perMinute, dayRemaining, reserve, secondsUntilDayReset, dayLimit } = input;
  requireCount('remainingCalls', remainingCalls);
  if (!(perMinute > 0)) throw new RangeError('perMinute must be > 0');
  const today = usableToday(dayRemaining, reserve);
  if (remainingCalls <= today) return pacingSeconds(remainingCalls, perMinute);
  const perDay = usablePerDay(dayLimit, reserve);
  const afterToday = remainingCalls - today;
  const fullWindows = Math.ceil(afterToday / perDay) - 1;
  const lastWindowCalls = afterToday - fullWindows * perDay;
  const firstWait = Math.max(Math.max(0, secondsUntilDayReset), pacingSeconds(today, perMinute));
  const windowSeconds = Math.max(SECONDS_PER_DAY, pacingSeconds(perDay, perMinute));
  return firstWait + fullWindows * windowSeconds + pacingSeconds(lastWindowCalls, perMinute);
}
