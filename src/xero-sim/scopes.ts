/**
 * Xero's OAuth 2.0 scopes as of 2026 and what each app may ask for (src/xero-sim/README.md "Xero rules
 * modelled", Scopes):
 *
 * - An app created on or after 2 March 2026 (kind "2026") may only have the granular scopes; the broad
 *   `accounting.transactions` and `accounting.reports.read` are not available to it (Xero's granular scopes FAQ,
 *   developer.xero.com/faq/granular-scopes; apideck.com/blog/xero-scopes).
 * - An app created before (kind "legacy") keeps the broad scopes until September 2027 and may also ask for the
 *   granular ones (from April 2026).
 *
 * A token carries the scopes consented to; an Accounting API call outside them is refused.
 */

export type AppKind = '2026' | 'legacy';
export const APP_KINDS: readonly AppKind[] = ['2026', 'legacy'];

/** The broad scopes apps created since 2 March 2026 cannot have. */
export const BROAD_SCOPES = [
  'accounting.transactions',
  'accounting.transactions.read',
  'accounting.reports.read',
];

const GRANULAR_WRITE = [
  'accounting.invoices',
  'accounting.payments',
  'accounting.banktransactions',
  'accounting.manualjournals',
];

const OTHER_SCOPES = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'accounting.settings',
  'accounting.settings.read',
  'accounting.contacts',
  'accounting.contacts.read',
  'accounting.attachments',
  'accounting.attachments.read',
  'accounting.journals.read',
  'accounting.budgets.read',
  'accounting.classicexpenses',
  'accounting.classicexpenses.read',
  'files',
  'files.read',
  'assets',
  'assets.read',
  'projects',
  'projects.read',
  'payroll.employees',
  'payroll.employees.read',
  'payroll.payruns',
  'payroll.payruns.read',
  'payroll.payslip',
  'payroll.payslip.read',
  'payroll.settings',
  'payroll.settings.read',
  'payroll.timesheets',
  'payroll.timesheets.read',
];

/** Every granular scope: the four that replace accounting.transactions, each with its .read variant. */
export const GRANULAR_SCOPES = GRANULAR_WRITE.flatMap((s) => [s, `${s}.read`]);

/** The report scopes that replace accounting.reports.read: accounting.reports.<report>.read. */
const GRANULAR_REPORT = /^accounting\.reports\.[a-z]+\.read$/;

function isKnown(scope: string): boolean {
  return (
    OTHER_SCOPES.includes(scope) ||
    GRANULAR_SCOPES.includes(scope) ||
    BROAD_SCOPES.includes(scope) ||
    (scope !== 'accounting.reports.read' && GRANULAR_REPORT.test(scope))
  );
}

export function parseScopes(text: string | undefined): string[] {
  return (text ?? '').split(/\s+/).filter(Boolean);
}

/**
 * Why Xero refuses these scopes for this kind of app, with the error its consent page shows: an unknown scope is
 * `invalid_scope` ("Invalid scope"); a scope the app may not have is `unauthorized_client` ("Invalid scope for
 * client"), the wording of Xero's error page (XeroAPI/xero-python-oauth2-app#14, Xero-NetStandard#475). Null:
 * every scope may be asked for.
 */
export function scopeRefusal(
  kind: AppKind,
  scopes: string[],
): { error: 'invalid_scope' | 'unauthorized_client'; description: string } | null {
  if (scopes.some((s) => !isKnown(s))) return { error: 'invalid_scope', description: 'Invalid scope' };
  if (kind === '2026' && scopes.some((s) => BROAD_SCOPES.includes(s)))
    return { error: 'unauthorized_client', description: 'Invalid scope for client' };
  return null;
}

/** What a Custom Connection's token carries without a `scope` parameter: every scope its app has. */
export function appScopes(kind: AppKind): string[] {
  const all = [
    ...OTHER_SCOPES.filter((s) => !['openid', 'profile', 'email'].includes(s)),
    ...GRANULAR_SCOPES,
  ];
  return kind === 'legacy' ? [...all, ...BROAD_SCOPES] : all;
}

/** Every scope there is: the test shortcut `issueAccessToken` grants them all. */
export const ALL_SCOPES = [...OTHER_SCOPES, ...GRANULAR_SCOPES, ...BROAD_SCOPES];

/** The scopes that allow an Accounting API call: the write scope, for GET also its .read, and the broad ones. */
function scopesFor(method: string, path: string): string[] | null {
  const resource = /^\/([A-Za-z]+)/.exec(path)?.[1]?.toLowerCase() ?? '';
  const read = method === 'GET';
  const family = (write: string, broad?: string) => [
    write,
    ...(read ? [`${write}.read`] : []),
    ...(broad ? [broad, ...(read ? [`${broad}.read`] : [])] : []),
  ];
  if (resource === 'items') return [...family('accounting.invoices'), ...family('accounting.settings')];
  if (['invoices', 'creditnotes', 'quotes', 'purchaseorders', 'repeatinginvoices'].includes(resource))
    return family('accounting.invoices', 'accounting.transactions');
  if (['payments', 'batchpayments', 'overpayments', 'prepayments'].includes(resource))
    return family('accounting.payments', 'accounting.transactions');
  if (resource === 'contacts' || resource === 'contactgroups') return family('accounting.contacts');
  if (
    ['organisation', 'accounts', 'taxrates', 'currencies', 'trackingcategories', 'brandingthemes'].includes(
      resource,
    )
  )
    return family('accounting.settings');
  return null;
}

/** Whether a token with these scopes may make this call (unknown endpoints are not checked). */
export function scopesAllow(granted: readonly string[], method: string, path: string): boolean {
  const needed = scopesFor(method.toUpperCase(), path);
  return needed === null || needed.some((s) => granted.includes(s));
}

/**
 * Xero's pricing tiers since 2 March 2026 and the most organisations an app of each may connect
 * (developer.xero.com/faq/pricing-and-policy-updates). Custom Connections are outside the tiers.
 */
export type AppTier = 'starter' | 'core' | 'plus' | 'advanced' | 'enterprise';
export const TIER_CONNECTION_LIMITS: Record<AppTier, number> = {
  starter: 5,
  core: 50,
  plus: 1000,
  advanced: 10_000,
  enterprise: Number.POSITIVE_INFINITY,
};
