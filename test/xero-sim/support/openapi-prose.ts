import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { OPENAPI_PATH } from './openapi';

/**
 * The prose of Xero's OpenAPI document for what this product writes and reads: every `description` and `summary`
 * of the Invoice, LineItem, CreditNote, Allocation, Payment, Contact, Organisation and Currency schemas (and their
 * list wrappers), and of
 * their endpoints' operations and parameters (shared parameters followed into components/parameters). Response
 * descriptions ("Success - return response of type …") are left out: they state statuses, not rules.
 */
export const PROSE_SCHEMAS = [
  'Invoices',
  'Invoice',
  'LineItem',
  'LineItemTracking',
  'LineAmountTypes',
  'CreditNotes',
  'CreditNote',
  'Allocations',
  'Allocation',
  'Payments',
  'Payment',
  'Contacts',
  'Contact',
  'Organisations',
  'Organisation',
  'Currencies',
  'Currency',
];
export const PROSE_PATHS = [
  '/Invoices',
  '/Invoices/{InvoiceID}',
  '/CreditNotes',
  '/CreditNotes/{CreditNoteID}',
  '/CreditNotes/{CreditNoteID}/Allocations',
  '/Payments',
  '/Payments/{PaymentID}',
  '/Contacts',
  '/Contacts/{ContactID}',
  '/Contacts/{ContactNumber}',
  '/Organisation',
  '/Currencies',
];

export interface Prose {
  /** 1-based line of the text in xero_accounting.yaml. */
  line: number;
  /** Where it sits, e.g. "#/components/schemas/LineItem/properties/DiscountAmount/description". */
  pointer: string;
  text: string;
}

export function proseOfScope(): Prose[] {
  const counter = new LineCounter();
  const doc = parseDocument(readFileSync(OPENAPI_PATH, 'utf8'), { lineCounter: counter });
  const found = new Map<number, Prose>();
  const walk = (node: unknown, pointer: string): void => {
    if (isSeq(node)) node.items.forEach((item, i) => walk(item, `${pointer}/${i}`));
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const value = pair.value;
      if (key === 'responses' || key === 'example' || key === 'examples' || key.startsWith('x-example'))
        continue;
      if ((key === 'description' || key === 'summary') && isScalar(value) && value.range) {
        const line = counter.linePos(value.range[0]).line;
        found.set(line, {
          line,
          pointer: `${pointer}/${key}`,
          text: String(value.value).replace(/\s+/g, ' '),
        });
      } else if (
        key === '$ref' &&
        isScalar(value) &&
        String(value.value).startsWith('#/components/parameters/')
      ) {
        const name = String(value.value).split('/').pop() ?? '';
        walk(doc.getIn(['components', 'parameters', name], true), `#/components/parameters/${name}`);
      } else walk(value, `${pointer}/${key}`);
    }
  };
  for (const name of PROSE_SCHEMAS)
    walk(doc.getIn(['components', 'schemas', name], true), `#/components/schemas/${name}`);
  for (const path of PROSE_PATHS) walk(doc.getIn(['paths', path], true), `#/paths/${path}`);
  return [...found.values()].sort((a, b) => a.line - b.line);
}

/**
 * Words that state a rule the schemas may not carry ("only", "cannot", "must", "not supported", "max length", "read
 * only", "ignored", …). "Unique identifier" names an id, not a rule, so it is left out of the match.
 */
const RULE_WORDS =
  /\b(only|cannot|can not|must|not supported|do not support|max(imum)?|max length|read only|ignored?|unique|at least|up to|default|overrid\w*|calculate|automatically|single|required|recommend)\b/i;

export function statesARule(text: string): boolean {
  return RULE_WORDS.test(text.replace(/\bunique (\w+ )*?(identifier|id)\b/gi, ''));
}
