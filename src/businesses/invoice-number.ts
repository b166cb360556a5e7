/**
 * Invoice numbers from a per-business template (a business setting, rendered by the engine for each order) such as "{CHANNEL}-{number}" -> "POS-1001".
 *
 * The invoice number is our idempotency key in Xero (ACCREC numbers are unique per organisation, and a retry finds
 * an earlier attempt with GET /Invoices?InvoiceNumbers=a,b,c), so a template must make numbers unique (it needs
 * {number} or {id}) and a rendered number must not contain a comma, which would split that lookup.
 */
import type { Channel } from '../contract';

export const DEFAULT_INVOICE_NUMBER_TEMPLATE = '{CHANNEL}-{number}';
export const MAX_INVOICE_NUMBER_LENGTH = 255;

/** What a template may name of an order (an order of src/orders/ has these fields). */
interface OrderFields {
  channel: Channel;
  number: string;
  id: string;
  location: { id: string };
}

const TOKENS: Record<string, (order: OrderFields) => string> = {
  channel: (o) => o.channel.toLowerCase(),
  CHANNEL: (o) => o.channel.toUpperCase(),
  number: (o) => o.number,
  id: (o) => o.id,
  location: (o) => o.location.id,
};
const TOKEN_LIST = Object.keys(TOKENS)
  .map((t) => `{${t}}`)
  .join(', ');
const TOKEN_PATTERN = /\{([^{}]*)\}/g;

export type RenderResult = { ok: true; invoiceNumber: string } | { ok: false; message: string };

/** Problems with a template, each an actionable sentence; [] when it can be used. */
export function validateTemplate(template: string): string[] {
  if (template.trim() === '') {
    return [`The invoice number template is empty; use for example "${DEFAULT_INVOICE_NUMBER_TEMPLATE}".`];
  }
  const problems: string[] = [];
  const used = [...template.matchAll(TOKEN_PATTERN)].map((m) => m[1] ?? '');
  for (const token of used.filter((t) => !Object.hasOwn(TOKENS, t))) {
    problems.push(`Unknown token {${token}} in the invoice number template; the tokens are ${TOKEN_LIST}.`);
  }
  if (/[{}]/.test(template.replace(TOKEN_PATTERN, ''))) {
    problems.push('The invoice number template has an unmatched "{" or "}"; write tokens as {number}.');
  }
  if (!used.includes('number') && !used.includes('id')) {
    problems.push(
      'The invoice number template must contain {number} or {id}, otherwise two orders would get the same invoice number.',
    );
  }
  if (template.includes(',')) {
    problems.push(
      'The invoice number template must not contain a comma (Xero looks invoices up by comma-separated numbers).',
    );
  }
  if (template !== template.trim()) {
    problems.push('The invoice number template must not begin or end with spaces.');
  }
  return problems;
}

/** Renders the invoice number for one order. The template is assumed valid (checked once when settings are saved). */
export function renderInvoiceNumber(template: string, order: OrderFields): RenderResult {
  const invoiceNumber = template.replace(TOKEN_PATTERN, (whole, token: string) =>
    Object.hasOwn(TOKENS, token) ? (TOKENS[token]?.(order) ?? whole) : whole,
  );
  if (invoiceNumber.length > MAX_INVOICE_NUMBER_LENGTH) {
    return {
      ok: false,
      message: `Invoice number for order ${order.number} would be ${invoiceNumber.length} characters; Xero allows ${MAX_INVOICE_NUMBER_LENGTH}. Shorten the invoice number template.`,
    };
  }
  if (invoiceNumber.includes(',')) {
    return {
      ok: false,
      message: `Invoice number "${invoiceNumber}" for order ${order.number} contains a comma, which Xero's invoice lookup cannot handle; use a template without the field that contains it.`,
    };
  }
  return { ok: true, invoiceNumber };
}

const SUMMARY_TOKENS = ['CHANNEL', 'channel', 'LOCATION', 'DATE', 'CURRENCY'];

/**
 * Problems with a daily summary's number template (issue 23), each an actionable sentence. A summary is one per
 * channel, location and local day, so its number needs all three; an adjustment adds "-ADJ<n>", a refund "-CN".
 */
export function validateSummaryTemplate(template: string): string[] {
  const used = [...template.matchAll(TOKEN_PATTERN)].map((m) => m[1] ?? '');
  const problems = used
    .filter((t) => !SUMMARY_TOKENS.includes(t))
    .map(
      (t) =>
        `Unknown token {${t}} in the summary number template; the tokens are {${SUMMARY_TOKENS.join('}, {')}}.`,
    );
  const has = (...tokens: string[]) => tokens.some((t) => used.includes(t));
  if (!has('DATE') || !has('LOCATION') || !has('CHANNEL', 'channel'))
    problems.push(
      'The summary number template must contain {CHANNEL} (or {channel}), {LOCATION} and {DATE}: one summary is written per channel, location and day, and its number must be unique.',
    );
  if (template.includes(',') || /[{}]/.test(template.replace(TOKEN_PATTERN, '')))
    problems.push('The summary number template must not contain a comma or an unmatched "{" or "}".');
  if (template.length > 200) problems.push('The summary number template must be at most 200 characters.');
  return problems;
}
