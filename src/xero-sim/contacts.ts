import {
  batchItems,
  batchResult,
  envelope,
  newId,
  paginate,
  str,
  type ApiContext,
  type BatchElement,
} from './context';
import { ApiError, highVolumeException, notFound, queryParseException, type ApiResult } from './errors';
import { inefficientContactRead } from './high-volume';
import { contactJson, contactSummaryJson } from './render';
import type { ContactStatus, StoredContact, TenantState } from './state';
import { evaluate, nameEquality, parseWhere, WhereParseError, type Expr } from './where';

const STATUSES: ContactStatus[] = ['ACTIVE', 'ARCHIVED', 'GDPRREQUEST'];

/** Xero's wording for the case-insensitive uniqueness of active contact names (xero-facts.md, "Contacts"). */
export function duplicateNameMessage(name: string): string {
  return `The contact name ${name} is already assigned to another contact. The contact name must be unique across all active contacts.`;
}

function nameTaken(tenant: TenantState, name: string, selfId?: string): boolean {
  const owner = tenant.activeContactByLowerName.get(name.toLowerCase());
  return owner !== undefined && owner !== selfId;
}

/** "(max length = N)" in the OpenAPI document's Contact descriptions. */
const MAX_LENGTHS: Array<[field: keyof StoredContact, label: string, max: number]> = [
  ['Name', 'The contact name', 255],
  ['FirstName', 'The first name', 255],
  ['LastName', 'The last name', 255],
  ['EmailAddress', 'The email address', 255],
  ['ContactNumber', 'The Contact Number', 50],
  ['AccountNumber', 'The account number', 50],
];

/** Length limits, and "Email address of contact person (umlauts not supported)". */
function fieldProblems(contact: StoredContact): string[] {
  const problems = MAX_LENGTHS.flatMap(([field, label, max]) => {
    const value = contact[field];
    return typeof value === 'string' && value.length > max
      ? [`${label} must not be more than ${max} characters long.`]
      : [];
  });
  if (/[äöüÄÖÜ]/.test(contact.EmailAddress ?? '')) problems.push('Email address must be valid.');
  return problems;
}

/** Applies the fields of a request element to a contact (new or existing) and validates the result. */
function buildContact(
  ctx: ApiContext,
  raw: Record<string, unknown>,
  existing?: StoredContact,
): BatchElement & { contact?: StoredContact } {
  const contact: StoredContact = existing
    ? { ...existing }
    : {
        ContactID: newId(),
        Name: '',
        ContactStatus: 'ACTIVE',
        IsCustomer: false,
        IsSupplier: false,
        updatedMs: 0,
      };
  for (const key of [
    'Name',
    'FirstName',
    'LastName',
    'EmailAddress',
    'ContactNumber',
    'AccountNumber',
  ] as const) {
    const value = str(raw[key]);
    if (value !== undefined) contact[key] = key === 'Name' ? value.trim() : value;
  }
  const status = str(raw.ContactStatus);
  const errors: string[] = [];
  if (status !== undefined) {
    if (STATUSES.includes(status as ContactStatus)) contact.ContactStatus = status as ContactStatus;
    else errors.push(`Contact status '${status}' is not valid.`);
  }
  if (!contact.Name) errors.push('The contact name must be specified.');
  errors.push(...fieldProblems(contact));
  if (
    contact.ContactStatus === 'ACTIVE' &&
    contact.Name &&
    nameTaken(ctx.tenant, contact.Name, contact.ContactID)
  ) {
    errors.push(duplicateNameMessage(contact.Name));
  }
  contact.updatedMs = ctx.nowMs;
  const element = errors.length ? { ...raw, ContactID: contact.ContactID } : contactJson(contact);
  return { element, errors, contact: errors.length ? undefined : contact };
}

function findForUpdate(
  tenant: TenantState,
  raw: Record<string, unknown>,
): StoredContact | undefined | 'missing' {
  const id = str(raw.ContactID);
  if (id) return tenant.contacts.get(id.toLowerCase()) ?? 'missing';
  const number = str(raw.ContactNumber);
  const byNumber = number ? tenant.contactByNumber.get(number) : undefined;
  return byNumber ? tenant.contacts.get(byNumber) : undefined;
}

function writeContacts(ctx: ApiContext, allowUpdate: boolean): ApiResult {
  const elements = batchItems(ctx.body, 'Contacts').map((raw) => {
    const existing = allowUpdate ? findForUpdate(ctx.tenant, raw) : undefined;
    if (existing === 'missing') return { element: raw, errors: ['The contact could not be found.'] };
    const built = buildContact(ctx, raw, existing);
    if (built.contact) ctx.tenant.putContact(built.contact, existing);
    return built;
  });
  return batchResult(ctx, 'Contacts', elements, 'HasValidationErrors');
}

/** PUT /Contacts creates only. */
export function putContacts(ctx: ApiContext): ApiResult {
  return writeContacts(ctx, false);
}

/** POST /Contacts creates, or updates the contact named by ContactID or ContactNumber. */
export function postContacts(ctx: ApiContext): ApiResult {
  return writeContacts(ctx, true);
}

export function parseWhereOrFail(text: string | undefined): Expr | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return parseWhere(text);
  } catch (error) {
    if (error instanceof WhereParseError) throw new ApiError(queryParseException(error.message));
    throw error;
  }
}

function candidates(tenant: TenantState, where: Expr | undefined, includeArchived: boolean): StoredContact[] {
  const byName = where ? nameEquality(where) : null;
  if (byName && !includeArchived) {
    const id = tenant.activeContactByLowerName.get(byName.value.toLowerCase());
    const contact = id ? tenant.contacts.get(id) : undefined;
    return contact ? [contact] : [];
  }
  // Names OR-ed together: compare lower-cased names first, so a large organisation's directory is not rendered
  // and evaluated whole for every lookup (the exact filter still runs on what is left).
  const names = where ? nameEqualities(where) : null;
  if (names) return [...tenant.contacts.values()].filter((c) => names.has(c.Name.toLowerCase()));
  return [...tenant.contacts.values()];
}

/** The lower-cased names of a `where` made only of name equalities joined by OR, else null. */
function nameEqualities(expr: Expr): Set<string> | null {
  if (expr.kind === 'bin' && expr.op === '||') {
    const left = nameEqualities(expr.left);
    const right = left && nameEqualities(expr.right);
    return left && right ? new Set([...left, ...right]) : null;
  }
  const one = nameEquality(expr);
  return one ? new Set([one.value.toLowerCase()]) : null;
}

function matchesSearch(contact: StoredContact, term: string): boolean {
  const fields = [
    contact.Name,
    contact.FirstName,
    contact.LastName,
    contact.ContactNumber,
    contact.EmailAddress,
  ];
  return fields.some((f) => f?.toLowerCase().includes(term));
}

/** GET /Contacts: where, searchTerm, IDs, includeArchived, summaryOnly, page/pageSize. */
export function getContacts(ctx: ApiContext): ApiResult {
  const where = parseWhereOrFail(ctx.query.get('where'));
  const includeArchived = ctx.query.bool('includeArchived') === true;
  const ids = new Set(ctx.query.list('IDs').map((id) => id.toLowerCase()));
  const rule = ctx.sim.highVolumeRule(ctx.tenant);
  const paged = ctx.query.int('page') !== undefined || ctx.query.int('pageSize') !== undefined;
  if (rule && inefficientContactRead(where, { paged, byIds: ids.size > 0 }, rule)) {
    ctx.tenant.stats.highVolumeRefusals += 1;
    return highVolumeException('Contacts', 'Contact');
  }
  const term = ctx.query.get('searchTerm')?.toLowerCase();
  const found = candidates(ctx.tenant, where, includeArchived).filter(
    (c) =>
      (includeArchived || c.ContactStatus !== 'ARCHIVED') &&
      (ids.size === 0 || ids.has(c.ContactID)) &&
      (!term || matchesSearch(c, term)) &&
      (!where || !!evaluate(where, contactJson(c))),
  );
  const { items, extra } = paginate(ctx, found);
  const render = ctx.query.bool('summaryOnly') === true ? contactSummaryJson : contactJson;
  return { status: 200, body: envelope(ctx, 'Contacts', items.map(render), extra) };
}

/** GET /Contacts/{ContactID or ContactNumber}. */
export function getContact(ctx: ApiContext): ApiResult {
  const key = ctx.params.id ?? '';
  const contact =
    ctx.tenant.contacts.get(key.toLowerCase()) ??
    ctx.tenant.contacts.get(ctx.tenant.contactByNumber.get(key) ?? '');
  if (!contact) return notFound();
  return { status: 200, body: envelope(ctx, 'Contacts', [contactJson(contact)]) };
}

/** Invoices name their contact by ContactID, ContactNumber or Name; an unknown Name creates a contact, as in Xero. */
export function resolveContact(
  ctx: ApiContext,
  raw: unknown,
): { contactId: string; create?: StoredContact } | { error: string } {
  if (!raw || typeof raw !== 'object')
    return { error: 'A Contact must be specified with this type of transaction' };
  const ref = raw as Record<string, unknown>;
  const id = str(ref.ContactID);
  if (id)
    return ctx.tenant.contacts.has(id.toLowerCase())
      ? { contactId: id.toLowerCase() }
      : { error: `Contact with ContactID ${id} could not be found.` };
  const number = str(ref.ContactNumber);
  const byNumber = number ? ctx.tenant.contactByNumber.get(number) : undefined;
  if (byNumber) return { contactId: byNumber };
  const name = str(ref.Name)?.trim();
  if (!name) return { error: 'A Contact must be specified with this type of transaction' };
  if (name.length > 255) return { error: 'The contact name must not be more than 255 characters long.' };
  const existing = ctx.tenant.activeContactByLowerName.get(name.toLowerCase());
  if (existing) return { contactId: existing };
  const create: StoredContact = {
    ContactID: newId(),
    Name: name,
    ContactNumber: number,
    ContactStatus: 'ACTIVE',
    IsCustomer: false,
    IsSupplier: false,
    updatedMs: ctx.nowMs,
  };
  return { contactId: create.ContactID, create };
}
