import { callContextFor } from '../businesses/call-context';
import type { Business } from '../businesses/store';
import type { CreateSyncRequestBody } from '../contract';
import type { ManualSyncInput } from '../definitions';
import { contactKey, normaliseContactName } from '../engine/contact-names';
import { estimateQuotaWindows } from './progress';
import type { TenantLimiter } from '../xero/limiter';
import type { PreviewWarning } from '../contract';
import { runningPeers, sharedEta } from './progress';
import { FACTS_REUSE_MS, recentOrganisationFacts, storedFacts } from '../businesses/organisation-facts';
import { needsCurrencies } from '../engine/organisation-rules';
import type { OrganisationFacts } from '../xero/organisation';
import { DailyQuotaExhausted } from '../xero/limiter';
import { organisationWarnings } from './organisation-warnings';
import { trackingWarnings } from './tracking-warnings';
import { contactSpellingsOf, liveOrders, orderRangeOf, planFromStats, rangeStats } from '../engine/plan';
import { holderOf, openChangeKinds } from '../engine/change-ledger';
import type { ContactDirectory, RangeStats, RequestPlan } from '../engine/plan';
import { planSummaries } from '../engine/summary-estimate';
import type { SummaryPlan } from '../engine/summary-estimate';
import { postingSkips } from '../engine/summary-plan';
import type { PostingModeEstimate } from '../contract';
import { summaryProblems } from './posting';
import { ordersPerCode } from './code-counts';
import { buildInput, findContact, ownRequest } from './submit';
import { openDayWarning } from './posting';
import type { SubmitDeps } from './submit';

export interface PreviewDeps extends SubmitDeps {
  limiter: Pick<TenantLimiter, 'dailyQuota' | 'recordContactsCount'>;
}

type Warning = PreviewWarning;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What a request would do, without doing it: counts, the calls the engine will make for it (its own plan,
 * src/engine/plan.ts: contacts assumed new unless an earlier request of the business found them), the
 * daily quota windows and the ETA (sharing the organisation with its running requests), and warnings. It writes
 * nothing. It may read Xero twice: the organisation's facts (unless read in the last few minutes), and the manual
 * contact or how many contacts the organisation has when that decides how they are read.
 */
export async function previewSyncRequest(deps: PreviewDeps, businessId: string, body: CreateSyncRequestBody) {
  const request = ownRequest(businessId, body);
  const { input, business } = await buildInput(deps, businessId, request, 'preview', false);
  const stats = await rangeStats(deps.db, input);
  const facts = await previewFacts(deps, business, stats);
  const quota = await deps.limiter.dailyQuota(business.xeroTenantId!);
  let size: Promise<number | null> | null = null;
  const directory: ContactDirectory = {
    size: () => (size ??= directorySize(deps, business, quota.contactsCount)),
    where: quota.contactWhere,
  };
  const baseCurrency = facts?.baseCurrency ?? null;
  const walkIn = business.settings.walkInContactName;
  const perOrder = await planFromStats(deps.db, input, stats, walkIn, directory, baseCurrency);
  const modes = await postingModes(deps, business, request, input, stats, perOrder, directory, baseCurrency);
  const mode = input.options.posting ?? 'per-order';
  const chosen = mode === 'daily-summary' ? modes.summary! : perOrder;
  const plan: RequestPlan = chosen;
  return {
    orders: {
      total: stats.total,
      completed: stats.completed,
      refunded: stats.refunded,
      voided: stats.voided,
      alreadySynced: stats.alreadySynced,
      toSync: input.options.changesOnly
        ? 0
        : mode === 'daily-summary'
          ? modes.summary!.orders
          : stats.invoices,
      ...(await changesOf(deps.db, input)),
    },
    posting: { mode, modes: modes.views },
    estimate: {
      calls: plan.calls,
      contacts: {
        ...plan.contacts,
        assumption:
          'Contacts that an earlier request of this business found or created in Xero are assumed to exist; the others are assumed new and counted as created.',
      },
      ...(await quotaEstimate(deps, business, plan)),
    },
    warnings: [
      ...(await warnings(deps, business, input, stats)),
      ...(facts && stats.total > 0 ? await organisationWarnings(deps.db, input, facts) : []),
      ...(liveOrders(stats) > 0 ? await trackingWarnings(deps, business, input) : []),
      ...openDayWarning(input, (deps.now ?? (() => new Date()))()),
    ],
  };
}

/**
 * Both posting modes' costs for the range (issue 23), side by side: per order (the request's own plan when it
 * posts per order) and daily summary (src/engine/summary-estimate.ts), or why a summary cannot serve the request.
 * Each says how many orders it skips because the other mode already sent them.
 */
async function postingModes(
  deps: PreviewDeps,
  business: Business,
  body: CreateSyncRequestBody,
  input: ManualSyncInput,
  stats: RangeStats,
  perOrder: RequestPlan,
  directory: ContactDirectory,
  baseCurrency: string | null,
): Promise<{ summary: SummaryPlan | null; views: PostingModeEstimate[] }> {
  const skips = await postingSkips(deps.db, input);
  const asSummary = { ...body, options: { ...body.options, posting: 'daily-summary' as const } };
  const refusal = summaryProblems(asSummary).map((p) => p.message);
  const summaryInput = { ...input, options: { ...input.options, posting: 'daily-summary' as const } };
  const summary =
    refusal.length > 0
      ? null
      : await planSummaries(deps.db, summaryInput, stats, {
          walkInName: business.settings.walkInContactName,
          directory,
          baseCurrency,
          paymentAccounts: business.settings.paymentAccounts,
        });
  const orders = input.options.changesOnly ? 0 : stats.invoices;
  return {
    summary,
    views: [
      {
        mode: 'per-order',
        refusal: null,
        estimate: documentsOf(orders, perOrder),
        skipped: {
          count: skips.inSummaries,
          reason: `${plural(skips.inSummaries, 'order')} of this range ${skips.inSummaries === 1 ? 'is' : 'are'} already in Xero in a daily summary; per order never sends them again.`,
        },
      },
      {
        mode: 'daily-summary',
        refusal: refusal.length > 0 ? `Daily summary does not apply: ${refusal.join('; ')}` : null,
        estimate: summary ? documentsOf(summary.orders, summary) : null,
        skipped: {
          count: skips.sentPerOrder,
          reason: `${plural(skips.sentPerOrder, 'order')} of this range ${skips.sentPerOrder === 1 ? 'is' : 'are'} already in Xero as ${skips.sentPerOrder === 1 ? 'its own invoice' : 'their own invoices'}; a summary never holds them again.`,
        },
      },
    ],
  };
}

function documentsOf(orders: number, plan: RequestPlan): NonNullable<PostingModeEstimate['estimate']> {
  return {
    orders,
    invoices: plan.work.invoices,
    creditNotes: plan.work.creditNotes,
    payments: plan.work.payments + plan.work.refunds,
    allocations: plan.work.allocations,
    calls: plan.calls.total,
  };
}

/**
 * The range's open changes this request's mode applies (its own invoices' per order, its summaries' as a daily
 * summary), in all and by kind: counted apart from the new orders.
 */
async function changesOf(db: PreviewDeps['db'], input: ManualSyncInput) {
  const changeKinds = await openChangeKinds(db, orderRangeOf(input), holderOf(input.options.posting));
  const { payments, refunds, voids, lineChanges } = changeKinds;
  return { changes: payments + refunds + voids + lineChanges, changeKinds };
}

/**
 * The organisation's facts for the preview's warnings: read within FACTS_REUSE_MS, or read now (GET
 * /Organisation, and GET /Currencies when an order is in another currency than the base). None when the range has
 * nothing to write; the last ones known when Xero's daily quota is spent (the preview still shows the rest).
 */
async function previewFacts(
  deps: PreviewDeps,
  business: Business,
  stats: RangeStats,
): Promise<OrganisationFacts | null> {
  if (liveOrders(stats) === 0) return null;
  try {
    return await recentOrganisationFacts(deps, business, FACTS_REUSE_MS, {
      wantsCurrencies: (base) => needsCurrencies(stats.currencies, base),
    });
  } catch (err) {
    if (err instanceof DailyQuotaExhausted) return storedFacts(deps.db, business.xeroTenantId!);
    throw err;
  }
}

/** How many contacts the organisation has: remembered, or one small read (a page of one, summaryOnly). */
async function directorySize(
  deps: PreviewDeps,
  business: Business,
  remembered: number | null,
): Promise<number | null> {
  const tenantId = business.xeroTenantId!;
  if (remembered !== null) return remembered;
  const page = await deps
    .newXeroGateway()
    .getContactPage(callContextFor(business), { page: 1, pageSize: 1, summaryOnly: true });
  const count = page.pagination?.itemCount;
  if (count === undefined) return null;
  await deps.limiter.recordContactsCount(tenantId, count);
  return count;
}

async function quotaEstimate(deps: PreviewDeps, business: Business, plan: RequestPlan) {
  const tenantId = business.xeroTenantId!;
  const calls = plan.calls.total;
  const peers = await runningPeers(deps.db, tenantId);
  const eta = await sharedEta(deps, tenantId, calls, peers, {
    dailyReserve: business.settings.dailyQuotaReserve,
    dailyCallLimit: business.settings.dailyCallLimit,
  });
  const ahead = calls + peers.reduce((n, r) => n + Math.min(r, calls), 0);
  return {
    quotaWindows:
      calls === 0
        ? 0
        : estimateQuotaWindows({
            calls: ahead,
            dayRemaining: eta.dayRemaining,
            dayLimit: eta.dayLimit,
            reserve: eta.reserve,
          }),
    dayRemaining: eta.dayRemaining,
    dayLimit: eta.dayLimit,
    dailyLimit: { calls: eta.dayLimit, source: eta.dayLimitSource },
    dailyReserve: eta.reserve,
    etaSeconds: eta.seconds,
    sharedWith: peers.length,
  };
}

async function warnings(
  deps: SubmitDeps,
  business: Business,
  input: ManualSyncInput,
  stats: RangeStats,
): Promise<Warning[]> {
  const { taxTypes, paymentAccounts } = business.settings;
  const out: Warning[] = [];
  const push = (code: Warning['code'], items: string[], message: string) => {
    if (items.length > 0) out.push({ code, message, count: items.length, examples: items.slice(0, 10) });
  };
  // A code's warning says how many orders use each code (the first 10 codes, as in examples).
  const pushPerCode = async (
    code: Warning['code'],
    kind: Parameters<typeof ordersPerCode>[2],
    codes: string[],
    message: string,
  ) => {
    if (codes.length === 0) return;
    const counts = await ordersPerCode(deps.db, input, kind, codes.slice(0, 10));
    push(code, codes, message);
    out[out.length - 1]!.perCode = codes.slice(0, 10).map((c) => ({ code: c, orders: counts.get(c) ?? 0 }));
  };
  if (stats.total === 0)
    out.push({
      code: 'no_orders',
      message: 'No orders in this range; check the channel, location and dates.',
      count: 0,
      examples: [],
    });
  await pushPerCode(
    'unmapped_tax_code',
    'taxCode',
    stats.taxCodes.filter((c) => !Object.hasOwn(taxTypes, c)),
    'Order tax codes with no Xero TaxType in the business settings; their orders will fail until they are mapped.',
  );
  if (input.options.recordPayments)
    await pushPerCode(
      'unmapped_payment_method',
      'paymentMethod',
      stats.paymentMethods.filter((m) => !Object.hasOwn(paymentAccounts, m)),
      'Payment methods with no Xero bank account in the business settings; their payments will not be recorded.',
    );
  if (input.contactMapping.mode === 'auto')
    push(
      'contact_name_clash',
      nameClashes(contactSpellingsOf(stats, business.settings.walkInContactName)),
      'Names that differ only in case or spacing; Xero treats them as one contact, so their invoices share it.',
    );
  if (input.options.resyncPolicy === 'skip' && stats.alreadySynced > 0)
    out.push({
      code: 'already_synced',
      message: `${stats.alreadySynced} orders are already in Xero and will be skipped.`,
      count: stats.alreadySynced,
      examples: [],
    });
  if (input.contactMapping.mode === 'manual') {
    const contact = await findContact(deps, business, input.contactMapping.contactId);
    const status = String(contact?.contactStatus ?? 'MISSING');
    if (status !== 'ACTIVE')
      out.push({
        code: 'manual_contact_archived',
        message: contact
          ? `The manual contact "${contact.name}" is ${status.toLowerCase()} in Xero; unarchive it or pick another, or every invoice will fail.`
          : `The manual contact ${input.contactMapping.contactId} does not exist in the connected Xero organisation.`,
        count: 1,
        examples: [contact?.name ?? input.contactMapping.contactId],
      });
  }
  return out;
}

/** Groups of distinct spellings that resolve to one contact key, e.g. "John Doe" / "john  doe". */
function nameClashes(names: string[]): string[] {
  const byKey = new Map<string, Set<string>>();
  for (const name of names) {
    const spellings = byKey.get(contactKey(name)) ?? new Set<string>();
    spellings.add(normaliseContactName(name) === name ? name : JSON.stringify(name));
    byKey.set(contactKey(name), spellings);
  }
  return [...byKey.values()].filter((s) => s.size > 1).map((s) => [...s].join(' / '));
}
