import { createHash } from 'node:crypto';
import type { Contact } from 'xero-node';
import type { Dependencies } from '../runtime';
import type { ManualSyncInput, StepOutcome } from '../definitions';
import { contactKey, contactNameProblem } from './contact-names';
import { requestCounts } from './ledger';
import {
  chooseContactReads,
  chunk,
  contactLookups,
  DIRECTORY_PAGE_SIZE,
  whereGroupSize,
  whereProbeSize,
} from './packing';
import type { ContactLookup } from './packing';
import type { WhereLimit } from '../xero/limiter';
import { loadRequestContacts, saveRequestContacts } from './request-contacts';
import type { ContactResolution, ResolvedRow } from './request-contacts';
import { contactNamesOf, rangeContactSources } from './plan';
import { setProgress } from './progress-records';
import { XeroApiError } from '../xero/errors';
import { DailyQuotaExhausted } from '../xero/limiter';
import { elementErrors } from '../xero/wire';
import { openStep, PauseRequested, quotaStop } from './step';
import { TaskPool } from './task-pool';
import type { Step, StepHooks } from './step';

/**
 * Auto-match by name, for the whole request before its first invoice: every contact its orders name is found the
 * way Xero's uniqueness rule compares names (exact, case-insensitive), by name (several per call) or from the
 * organisation's directory (whichever costs fewer calls, src/engine/packing.ts; also after a large organisation
 * refused a lookup, see lookUp), and the missing ones are created 50 to a call. Archived matches are not reused or unarchived: their orders fail with a message saying so.
 */
export async function resolveContacts(
  deps: Dependencies,
  input: ManualSyncInput,
  hooks: StepHooks,
): Promise<StepOutcome> {
  const step = await openStep(deps, input, hooks, null);
  const names = contactNamesOf(
    await rangeContactSources(deps.db, input),
    step.business.settings.walkInContactName,
  );
  const outcome = (done: boolean, quota?: DailyQuotaExhausted) => stepOutcome(step, done, quota);
  try {
    let known = await loadRequestContacts(deps.db, input.requestId);
    await recordContactProgress(step, names, known);
    const unknown = [...names].filter(([key]) => !known.has(key));
    if (unknown.length > 0) await findContacts(step, new Map(unknown));
    known = await loadRequestContacts(deps.db, input.requestId);
    const missing = [...names].filter(([key]) => isMissing(known.get(key)));
    await createContacts(step, missing);
    known = await loadRequestContacts(deps.db, input.requestId);
    await recordContactProgress(step, names, known);
    // Done when every name is found, unusable or created; a step that ran out of time leaves the rest to the next.
    return await outcome([...names.keys()].every((k) => known.has(k) && !isMissing(known.get(k))));
  } catch (err) {
    // Pausing: the step stops as at its deadline; the workflow, which holds the pause, pauses.
    if (err instanceof PauseRequested) return await outcome(false);
    if (!(err instanceof DailyQuotaExhausted)) throw err;
    quotaStop(step, err);
    return await outcome(false, err);
  }
}

function isMissing(r: ContactResolution | undefined): boolean {
  return r !== undefined && r.contactId === undefined && r.error === undefined;
}

async function stepOutcome(step: Step, done: boolean, quota?: DailyQuotaExhausted): Promise<StepOutcome> {
  return {
    done: done && !quota,
    cursor: { after: null, walked: false },
    resumeAt: quota?.resumeAt.toISOString() ?? null,
    resetKnown: quota?.resetKnown ?? false,
    progressed: step.calls.work > 0,
    counts: await requestCounts(step.deps.db, step.input.requestId),
  };
}

async function recordContactProgress(
  step: Step,
  names: Map<string, string>,
  known: Map<string, ContactResolution>,
): Promise<void> {
  const done = [...names.keys()].filter((k) => {
    const r = known.get(k);
    return r !== undefined && !isMissing(r);
  }).length;
  await setProgress(step.deps.db, step.input.requestId, {
    phase: 'contacts',
    contactsTotal: names.size,
    contactsDone: done,
  });
}

/** Finds the contacts named `wanted` (key → spelling) and records each as found, archived or missing. */
async function findContacts(step: Step, all: Map<string, string>): Promise<void> {
  // A name Xero would refuse is not looked up or created: its orders fail with the reason.
  const refused = [...all].flatMap(([key, spelling]) => {
    const error = contactNameProblem(spelling);
    return error ? [{ key, spelling, resolution: { error } }] : [];
  });
  await saveRequestContacts(step.deps.db, step.input.requestId, refused);
  const wanted = new Map([...all].filter(([key]) => !refused.some((r) => r.key === key)));
  if (wanted.size === 0) return;
  const found = new Map<string, Contact[]>();
  await lookUp(step, wanted, found);
  await saveRequestContacts(
    step.deps.db,
    step.input.requestId,
    [...wanted].map(([key, spelling]) => ({ key, spelling, resolution: resolutionOf(found.get(key)) })),
  );
}

/**
 * Asks Xero for every name of `wanted` (key → spelling), into `found`: by name or from the directory, whichever
 * costs fewer calls (src/engine/packing.ts). A large organisation may refuse a lookup (HighVolumeException): the
 * names it left are asked again the way that is now cheapest, with fewer names to a `where`, by `searchTerm`, or
 * from the directory. A refused read writes nothing, so nothing is half-done.
 */
async function lookUp(step: Step, wanted: Map<string, string>, found: Map<string, Contact[]>): Promise<void> {
  let left = new Map(wanted);
  const directory: DirectoryRead = { pagesRead: 0, pageCount: 1, needed: false };
  while (left.size > 0) {
    const quota = await step.deps.limiter.dailyQuota(step.ctx.tenantId);
    const lookups = contactLookups([...left.values()], whereGroupSize(quota.contactWhere));
    if (await readDirectory(step, directory, lookups.length, quota.contactsCount, left, found)) {
      if (directory.pagesRead >= directory.pageCount) return;
      left = new Map([...left].filter(([key]) => !found.has(key)));
      continue;
    }
    const round = nextRound(quota.contactWhere, lookups, left);
    const refused = await runLookups(step, round, left, found, quota.contactWhere);
    // Xero's guidance recommends searchTerm for a large organisation; if it is refused all the same, only the
    // directory is left.
    if (refused.some((l) => l.kind === 'searchTerm')) directory.needed = true;
    const asked = new Set(round.filter((l) => !refused.includes(l)).flatMap((l) => l.keys));
    left = new Map([...left].filter(([key]) => !asked.has(key)));
  }
}

/**
 * The lookups to run now. While a large organisation's limit is being learnt, one at a time: a size between what
 * it answered and what it refused (when that saves calls), or one of a size it has not answered yet; its answer
 * decides the size of the rest.
 */
function nextRound(where: WhereLimit, lookups: ContactLookup[], left: Map<string, string>): ContactLookup[] {
  const probe = whereProbeSize(where, left.size);
  if (probe !== null) return contactLookups([...left.values()], probe).slice(0, 1);
  const size = whereGroupSize(where);
  const unproven = size !== null && size > 1 && where.answered !== size;
  return unproven ? lookups.slice(0, 1) : lookups;
}

interface DirectoryRead {
  pagesRead: number;
  pageCount: number;
  /** Lookups are refused even by searchTerm: the directory is the only way left. */
  needed: boolean;
}

/**
 * Reads the directory when it takes fewer calls than the `lookups` left (or is the only way left): its first page,
 * which tells its size, or every page after it. True when it read.
 */
async function readDirectory(
  step: Step,
  directory: DirectoryRead,
  lookups: number,
  size: number | null,
  left: Map<string, string>,
  found: Map<string, Contact[]>,
): Promise<boolean> {
  if (directory.pagesRead === 0) {
    const reads = chooseContactReads(lookups, size);
    if (!directory.needed && reads.strategy !== 'directory' && reads.strategy !== 'probe-directory')
      return false;
    const first = await readDirectoryPage(step, 1, left, found);
    directory.pagesRead = 1;
    directory.pageCount = Math.max(1, first.pagination?.pageCount ?? 1);
    if (first.pagination?.itemCount !== undefined)
      await step.deps.limiter.recordContactsCount(step.ctx.tenantId, first.pagination.itemCount);
    return true;
  }
  if (!directory.needed && directory.pageCount - directory.pagesRead >= lookups) return false;
  for (let page = directory.pagesRead + 1; page <= directory.pageCount; page++)
    await readDirectoryPage(step, page, left, found);
  directory.pagesRead = directory.pageCount;
  return true;
}

async function readDirectoryPage(
  step: Step,
  page: number,
  wanted: Map<string, string>,
  found: Map<string, Contact[]>,
) {
  const result = await step.xero.getContactPage(step.ctx, {
    page,
    pageSize: DIRECTORY_PAGE_SIZE,
    includeArchived: true,
    summaryOnly: true,
  });
  collect(result.contacts, wanted, found);
  return result;
}

const LOOKUP_PAGE_SIZE = 1000;

/**
 * Lookups in parallel, up to the organisation's concurrency; each answer is recorded as it arrives. The first
 * goes alone: when a large organisation refuses it, it would refuse the others alike, and their names are asked
 * again the way its refusal leaves. Answers the lookups Xero refused.
 */
async function runLookups(
  step: Step,
  lookups: ContactLookup[],
  wanted: Map<string, string>,
  found: Map<string, Contact[]>,
  where: WhereLimit,
): Promise<ContactLookup[]> {
  const [first, ...rest] = lookups;
  if (!first) return [];
  if (!(await runLookup(step, first, wanted, found, where))) return lookups;
  const refused: ContactLookup[] = [];
  const pool = new TaskPool(step.deps.cfg.XERO_CONCURRENCY);
  for (const lookup of rest)
    await pool.run(async () => {
      if (!(await runLookup(step, lookup, wanted, found, where))) refused.push(lookup);
    });
  await pool.drain();
  return refused;
}

/** One lookup, all its pages; false when Xero refused it as too costly for a large organisation. */
async function runLookup(
  step: Step,
  lookup: ContactLookup,
  wanted: Map<string, string>,
  found: Map<string, Contact[]>,
  where: WhereLimit,
): Promise<boolean> {
  const asked = new Map(lookup.keys.map((k) => [k, wanted.get(k) ?? k]));
  try {
    // A searchTerm is a contains-search: it can match more than a page; read on while pages are full.
    for (let page = 1; ; page++) {
      const contacts = await step.xero.getContacts(step.ctx, {
        ...(lookup.kind === 'where' ? { where: lookup.where } : { searchTerm: lookup.searchTerm }),
        includeArchived: true,
        summaryOnly: true,
        page,
        pageSize: LOOKUP_PAGE_SIZE,
      });
      collect(contacts, asked, found);
      if (contacts.length < LOOKUP_PAGE_SIZE) break;
    }
  } catch (err) {
    if (!(err instanceof XeroApiError) || err.kind !== 'high-volume') throw err;
    for (const key of asked.keys()) found.delete(key);
    await refusedLookup(step, lookup, err);
    return false;
  }
  await answeredLookup(step, lookup, where);
  await saveRequestContacts(
    step.deps.db,
    step.input.requestId,
    [...asked].map(([key, spelling]) => ({ key, spelling, resolution: resolutionOf(found.get(key)) })),
  );
  return true;
}

/** Remembers, for an organisation that refused a `where` before, the largest one it answered since. */
async function answeredLookup(step: Step, lookup: ContactLookup, where: WhereLimit): Promise<void> {
  const names = lookup.keys.length;
  if (lookup.kind !== 'where' || where.refused === null || names >= where.refused) return;
  if (where.answered !== null && names <= where.answered) return;
  where.answered = names; // the round's other lookups of this size need not record it again
  await step.deps.limiter.recordContactWhere(step.ctx.tenantId, names, true);
}

/** Remembers, for the organisation, the `where` it refused, so no lookup of the kind is asked again. */
async function refusedLookup(step: Step, lookup: ContactLookup, err: XeroApiError): Promise<void> {
  if (lookup.kind === 'where')
    await step.deps.limiter.recordContactWhere(step.ctx.tenantId, lookup.keys.length, false);
  step.ctx.log?.warn('Xero refused a contact lookup as too costly for a large organisation', {
    organisation: step.ctx.tenantId,
    requestId: step.input.requestId,
    lookup: lookup.kind,
    names: lookup.keys.length,
    xeroMessage: err.xeroMessage,
  });
}

/** Keeps the contacts whose key was asked for (searchTerm and directory answers are supersets). */
function collect(contacts: Contact[], wanted: Map<string, string>, found: Map<string, Contact[]>): void {
  for (const c of contacts) {
    if (!c.name || !c.contactID) continue;
    const key = contactKey(c.name);
    if (wanted.has(key)) found.set(key, [...(found.get(key) ?? []), c]);
  }
}

function resolutionOf(matches: Contact[] | undefined): ContactResolution {
  if (!matches || matches.length === 0) return { missing: true };
  const active = matches.find((c) => String(c.contactStatus ?? 'ACTIVE') === 'ACTIVE');
  if (active?.contactID) return { contactId: active.contactID };
  return { error: archivedContactError(String(matches[0]?.name)) };
}

/** An order's failure when its contact is archived in Xero (src/requests/failure-reasons.ts reads it). */
export function archivedContactError(name: string): string {
  return `Xero contact "${name}" is archived; unarchive it in Xero or use a manual contact, then retry the failed orders`;
}

/** Creates the missing contacts, 50 to a call, under a key derived from the names (a retry replays Xero's answer). */
async function createContacts(step: Step, missing: Array<[string, string]>): Promise<void> {
  const pool = new TaskPool(step.deps.cfg.XERO_CONCURRENCY);
  for (const batch of chunk(missing)) {
    if (Date.now() >= step.deadline || (await step.pausing())) break;
    await pool.run(() => createBatch(step, batch));
  }
  await pool.drain();
}

async function createBatch(step: Step, batch: Array<[string, string]>): Promise<void> {
  const names = batch.map(([, spelling]) => spelling);
  const key = createHash('sha256')
    .update(`${step.input.requestId}|contacts|${names.join('\u0000')}`)
    .digest('hex');
  const created = await step.xero.createContacts(
    step.ctx,
    names.map((name): Contact => ({ name })),
    { idempotencyKey: key },
  );
  const rows: ResolvedRow[] = [];
  for (const [i, [nameKey, spelling]] of batch.entries()) {
    const element = created[i];
    const errors = element ? elementErrors(element) : ['Xero returned no element for this contact'];
    if (element?.contactID && errors.length === 0) {
      rows.push({ key: nameKey, spelling, resolution: { contactId: element.contactID }, created: true });
      continue;
    }
    // Another request (or the live sync) may have created it a moment ago ("already assigned"): look once more.
    const again = new Map<string, Contact[]>();
    await lookUp(step, new Map([[nameKey, spelling]]), again);
    const resolution = resolutionOf(again.get(nameKey));
    rows.push({
      key: nameKey,
      spelling,
      resolution:
        resolution.contactId || resolution.error
          ? resolution
          : { error: `Xero refused to create contact "${spelling}": ${errors.join('; ')}` },
    });
  }
  await saveRequestContacts(step.deps.db, step.input.requestId, rows);
}
