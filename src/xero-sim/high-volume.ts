import type { Expr } from './where';

/**
 * Xero's high-volume threshold (xero-facts.md, "Large organisations"). On an organisation with very many records
 * (about 100,000, second-hand), Xero refuses a list GET it deems inefficient with HTTP 400 and
 * `{"ErrorNumber":51,"Type":"HighVolumeException","Message":"Your request is not filtering Contacts efficiently, …"}`
 * (XeroAPI/xero-python#148, XeroAPI/Xero-NetStandard#604, freakboy3742/pyxero#373): a `where` on a field Xero has
 * not optimised (ContactNumber, IsSupplier), and a request that is not paged. Name, EmailAddress and AccountNumber
 * are the optimised contact filters. How many OR-ed clauses Xero still answers, and whether it refuses a lone
 * `Name.ToLower()`, are not published: both are settings here, and the defaults are guesses.
 */
export interface HighVolumeRule {
  /** The most comparisons one `where` may hold. */
  maxClauses: number;
  /** Refuse `.ToLower()`, `.Contains()`, `.StartsWith()`… (Xero's guidance: use `searchTerm` instead). */
  refuseMethods: boolean;
}

export const DEFAULT_HIGH_VOLUME_RULE: HighVolumeRule = { maxClauses: 10, refuseMethods: false };

/** Xero's documented optimised contact filters. */
const OPTIMISED_CONTACT_FIELDS = new Set(['name', 'emailaddress', 'accountnumber']);
const COMPARISONS = new Set(['==', '!=', '>', '<', '>=', '<=']);

interface Clause {
  fields: string[];
  methods: number;
  op: string;
}

function fieldsAndMethods(expr: Expr, out: { fields: string[]; methods: number }): void {
  if (expr.kind === 'field') out.fields.push(expr.path.join('.').toLowerCase());
  else if (expr.kind === 'call') {
    out.methods += 1;
    fieldsAndMethods(expr.target, out);
    for (const arg of expr.args) fieldsAndMethods(arg, out);
  } else if (expr.kind === 'bin') {
    fieldsAndMethods(expr.left, out);
    fieldsAndMethods(expr.right, out);
  } else if (expr.kind === 'not') fieldsAndMethods(expr.expr, out);
}

/** The comparisons (and bare boolean calls such as `Name.Contains("x")`) joined by AND, OR and NOT. */
function clauses(expr: Expr): Clause[] {
  if (expr.kind === 'bin' && (expr.op === '||' || expr.op === '&&'))
    return [...clauses(expr.left), ...clauses(expr.right)];
  if (expr.kind === 'not') return clauses(expr.expr);
  const found = { fields: [] as string[], methods: 0 };
  fieldsAndMethods(expr, found);
  return [{ ...found, op: expr.kind === 'bin' && COMPARISONS.has(expr.op) ? expr.op : '' }];
}

function efficient(clause: Clause, rule: HighVolumeRule): boolean {
  if (clause.fields.length !== 1 || !OPTIMISED_CONTACT_FIELDS.has(clause.fields[0] ?? '')) return false;
  if (clause.methods > 0) return !rule.refuseMethods;
  return clause.op === '==';
}

/** Whether Xero would refuse this GET /Contacts on a high-volume organisation. */
export function inefficientContactRead(
  where: Expr | undefined,
  query: { paged: boolean; byIds: boolean },
  rule: HighVolumeRule,
): boolean {
  if (!query.paged && !query.byIds) return true;
  if (!where) return false;
  const all = clauses(where);
  return all.length > rule.maxClauses || all.some((c) => !efficient(c, rule));
}
