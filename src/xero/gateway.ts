import axios from 'axios';
import { AccountingApi } from 'xero-node';
import type { Account, Allocation, Contact, CreditNote, Invoice, Payment, TaxRate } from 'xero-node';
import { parseXeroError, rateLimitHeaders, XeroApiError } from './errors';
import type { TenantLimiter } from './limiter';
import type { TokenProvider } from './tokens';

/**
 * The one wrapper around Xero's Accounting API. Everything that talks to Xero goes through here: xero-node is
 * never called positionally anywhere else, its JSON-string rejections are parsed once (into XeroApiError),
 * and every call is counted so progress can show the calls used.
 */
export interface XeroGatewayOptions {
  apiUrl: string;
  tokens: TokenProvider;
  limiter: TenantLimiter;
  timeoutMs: number;
  /** When the daily budget is spent but its reset time is unknown, look again after this long. */
  quotaProbeMs: number;
  /** How many minute-limit 429s one call waits out before giving up to the activity's retry. */
  maxRateLimitWaits?: number;
  now?: () => number;
}

export interface CallContext {
  businessId: string;
  tenantId: string;
  /** Calls of the daily quota to leave for the platform's real-time sync. */
  dailyReserve: number;
  /** Called while the call waits for the limiter (activities heartbeat here). */
  heartbeat?: () => void;
}

export interface WriteOptions {
  idempotencyKey: string;
}

/** Thrown instead of calling Xero when the tenant's daily budget (less the reserve) is spent. */
export class DailyQuotaExhausted extends Error {
  override readonly name = 'DailyQuotaExhausted';
  constructor(readonly resumeAt: Date) {
    super(`Xero's daily call limit for this organisation is used up; resuming at ${resumeAt.toISOString()}`);
  }
}

export class XeroGateway {
  /** Calls made by this gateway instance (successful or not), for progress reporting. */
  calls = 0;

  constructor(private readonly options: XeroGatewayOptions) {
    // xero-node sets no timeout on its axios calls; a hung connection must not hang an activity forever.
    axios.defaults.timeout = options.timeoutMs;
  }

  async createInvoices(ctx: CallContext, invoices: Invoice[], write: WriteOptions): Promise<Invoice[]> {
    // summarizeErrors=false: one invalid invoice must not hide which of the others Xero created.
    const res = await this.call(ctx, (api) =>
      api.createInvoices(ctx.tenantId, { invoices }, false, 4, write.idempotencyKey),
    );
    return res.invoices ?? [];
  }

  /** POST: creates, or updates the invoice that already has the number (the re-sync "update" policy). */
  async updateOrCreateInvoices(
    ctx: CallContext,
    invoices: Invoice[],
    write: WriteOptions,
  ): Promise<Invoice[]> {
    const res = await this.call(ctx, (api) =>
      api.updateOrCreateInvoices(ctx.tenantId, { invoices }, false, 4, write.idempotencyKey),
    );
    return res.invoices ?? [];
  }

  async getInvoicesByNumbers(ctx: CallContext, numbers: string[]): Promise<Invoice[]> {
    if (numbers.length === 0) return [];
    const res = await this.call(ctx, (api) =>
      api.getInvoices(
        ctx.tenantId,
        undefined,
        undefined,
        undefined,
        undefined,
        numbers,
        undefined,
        undefined,
        1,
        undefined,
        undefined,
        4,
        undefined,
        100,
      ),
    );
    return res.invoices ?? [];
  }

  /** One page (`page`, default 1) of at most 100 contacts: "Up to 100 contacts will be returned in a single API call". */
  async getContacts(
    ctx: CallContext,
    query: { where?: string; searchTerm?: string; includeArchived?: boolean; page?: number },
  ): Promise<Contact[]> {
    const res = await this.call(ctx, (api) =>
      api.getContacts(
        ctx.tenantId,
        undefined,
        query.where,
        undefined,
        undefined,
        query.page ?? 1,
        query.includeArchived,
        undefined,
        query.searchTerm,
        100,
      ),
    );
    return res.contacts ?? [];
  }

  async getContactsByIds(ctx: CallContext, ids: string[]): Promise<Contact[]> {
    const res = await this.call(ctx, (api) =>
      api.getContacts(ctx.tenantId, undefined, undefined, undefined, ids, 1, true),
    );
    return res.contacts ?? [];
  }

  async createContacts(ctx: CallContext, contacts: Contact[], write: WriteOptions): Promise<Contact[]> {
    const res = await this.call(ctx, (api) =>
      api.createContacts(ctx.tenantId, { contacts }, false, write.idempotencyKey),
    );
    return res.contacts ?? [];
  }

  async createCreditNotes(
    ctx: CallContext,
    creditNotes: CreditNote[],
    write: WriteOptions,
  ): Promise<CreditNote[]> {
    const res = await this.call(ctx, (api) =>
      api.createCreditNotes(ctx.tenantId, { creditNotes }, false, 4, write.idempotencyKey),
    );
    return res.creditNotes ?? [];
  }

  async getCreditNotesWhere(ctx: CallContext, where: string): Promise<CreditNote[]> {
    const res = await this.call(ctx, (api) =>
      api.getCreditNotes(ctx.tenantId, undefined, where, undefined, 1, 4),
    );
    return res.creditNotes ?? [];
  }

  async getCreditNote(ctx: CallContext, creditNoteId: string): Promise<CreditNote | undefined> {
    const res = await this.call(ctx, (api) => api.getCreditNote(ctx.tenantId, creditNoteId, 4));
    return res.creditNotes?.[0];
  }

  async allocateCreditNote(
    ctx: CallContext,
    creditNoteId: string,
    allocation: Allocation,
    write: WriteOptions,
  ): Promise<Allocation[]> {
    const res = await this.call(ctx, (api) =>
      api.createCreditNoteAllocation(
        ctx.tenantId,
        creditNoteId,
        { allocations: [allocation] },
        false,
        write.idempotencyKey,
      ),
    );
    return res.allocations ?? [];
  }

  async createPayments(ctx: CallContext, payments: Payment[], write: WriteOptions): Promise<Payment[]> {
    const res = await this.call(ctx, (api) =>
      api.createPayments(ctx.tenantId, { payments }, false, write.idempotencyKey),
    );
    return res.payments ?? [];
  }

  /** The organisation's chart of accounts (every status), for checking the business's settings. */
  async getAccounts(ctx: CallContext): Promise<Account[]> {
    const res = await this.call(ctx, (api) => api.getAccounts(ctx.tenantId));
    return res.accounts ?? [];
  }

  /** The organisation's tax rates (every status), for checking the business's settings. */
  async getTaxRates(ctx: CallContext): Promise<TaxRate[]> {
    const res = await this.call(ctx, (api) => api.getTaxRates(ctx.tenantId));
    return res.taxRates ?? [];
  }

  private async call<T>(
    ctx: CallContext,
    fn: (api: AccountingApi) => Promise<{ response: { headers: unknown }; body: T }>,
  ): Promise<T> {
    const { limiter } = this.options;
    let rateLimitWaits = 0;
    let reauthorised = false;
    for (;;) {
      await this.checkDailyBudget(ctx);
      // The token first: a refresh is not an Accounting API call and must not hold one of the tenant's slots.
      const accessToken = await this.options.tokens.accessToken(ctx.businessId);
      const lease = await limiter.acquire(ctx.tenantId, ctx.heartbeat);
      this.calls += 1;
      try {
        const api = new AccountingApi(this.options.apiUrl);
        api.accessToken = accessToken;
        const { response, body } = await fn(api);
        await lease.release(rateLimitHeaders(response.headers));
        return body;
      } catch (raw) {
        const err = raw instanceof DailyQuotaExhausted ? raw : parseXeroError(raw);
        await lease.release(
          err instanceof XeroApiError ? { dayRemaining: err.dayLimitRemaining } : undefined,
        );
        if (!(err instanceof XeroApiError)) throw err;
        if (err.kind === 'unauthorized' && !reauthorised) {
          // An access token can expire between fetching it and Xero reading it: refresh once, then retry.
          this.options.tokens.invalidate(ctx.businessId);
          reauthorised = true;
          continue;
        }
        // A fresh token refused, or the organisation forbidden: is it still connected? If not, this throws
        // ConnectionNeedsReconnect (and the connection is marked so); if it is, Xero's error stands.
        if (err.kind === 'unauthorized' || err.kind === 'forbidden')
          await this.options.tokens.checkConnection(ctx.businessId, ctx.tenantId);
        if (err.kind === 'day-limit') {
          const resumeAt = new Date(this.now() + (err.retryAfterSeconds ?? 3600) * 1000);
          await limiter.blockUntil(ctx.tenantId, resumeAt, true);
          throw new DailyQuotaExhausted(resumeAt);
        }
        if (
          (err.kind === 'minute-limit' || err.kind === 'concurrent-limit') &&
          rateLimitWaits < (this.options.maxRateLimitWaits ?? 5)
        ) {
          rateLimitWaits += 1;
          await limiter.blockUntil(ctx.tenantId, new Date(this.now() + (err.retryAfterSeconds ?? 1) * 1000));
          continue;
        }
        throw err;
      }
    }
  }

  /** Stops before the call when the known daily budget, less the reserve, is spent. */
  private async checkDailyBudget(ctx: CallContext): Promise<void> {
    const quota = await this.options.limiter.dailyQuota(ctx.tenantId);
    const now = this.now();
    if (quota.resetAt && quota.resetAt.getTime() <= now) return; // a new daily window has begun
    if (quota.dayRemaining === null || quota.dayRemaining > ctx.dailyReserve) return;
    const resumeAt =
      quota.resetAt ?? new Date((quota.observedAt?.getTime() ?? now) + this.options.quotaProbeMs);
    if (resumeAt.getTime() <= now) return; // time to probe: the next response tells the new remaining
    throw new DailyQuotaExhausted(resumeAt);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
