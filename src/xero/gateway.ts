import { AsyncLocalStorage } from 'node:async_hooks';
import axios from 'axios';
import { AccountingApi } from 'xero-node';
import type {
  TrackingCategory,
  Account,
  Allocation,
  Contact,
  CreditNote,
  Currency,
  Invoice,
  Organisation,
  Payment,
  TaxRate,
} from 'xero-node';
import { parseXeroError, rateLimitHeaders, XeroApiError } from './errors';
import { AbortedError, DailyQuotaExhausted, waitFor } from './limiter';
import type { TenantLimiter } from './limiter';
import { observeAnswer, observeRateLimit, observeWait } from './observe';
import type { CallLog } from './observe';
import type { TokenProvider } from './tokens';
import { installFastSerializer } from './serializer';

/**
 * The one wrapper around Xero's Accounting API. Everything that talks to Xero goes through here: xero-node is
 * never called positionally anywhere else, its JSON-string rejections are parsed once (into XeroApiError), every
 * call goes through the tenant's limiter, and each call can be aborted (an activity that timed out stops).
 */
export interface XeroGatewayOptions {
  apiUrl: string;
  tokens: TokenProvider;
  limiter: TenantLimiter;
  timeoutMs: number;
  /** How many minute-limit 429s one call waits out before giving up to the activity's retry. */
  maxRateLimitWaits?: number;
  /** How many transient failures (5xx, no answer) one call retries, shortly, before the activity's retry. */
  maxTransientRetries?: number;
  now?: () => number;
}

export interface CallContext {
  businessId: string;
  tenantId: string;
  /** Calls of the daily quota to leave for the platform's real-time sync. */
  dailyReserve: number;
  /** The sync request the calls are for: each is counted in its progress as it starts. */
  requestId?: string;
  /** Aborts waits and the HTTP call in flight. */
  signal?: AbortSignal;
  /** Called around every call and while waiting (activities heartbeat here). */
  heartbeat?: () => void;
  /** Called as each call starts; `probe`: it spends the reserve to look whether the daily window has reset. */
  onCall?: (probe: boolean) => void;
  /**
   * Awaited once the call has its slot, just before it goes to Xero; what it throws is thrown instead of the call
   * (a step's pause: no call starts after the pause was accepted). `pausing` is the request's pause flag as the
   * limiter's start statement read it (undefined: not read, or read before a paced wait): a fresh read is needed.
   */
  beforeSend?: (pausing: boolean | undefined) => Promise<void>;
  /** Where 429s and long limiter waits are logged (a step passes its activity's `log`). */
  log?: CallLog;
}

export interface WriteOptions {
  idempotencyKey: string;
}

export interface ContactQuery {
  where?: string;
  searchTerm?: string;
  includeArchived?: boolean;
  /** Lightweight contacts (Xero leaves out addresses, phones and balances): fewer bytes back. */
  summaryOnly?: boolean;
  page?: number;
  pageSize?: number;
}

export interface ContactPage {
  contacts: Contact[];
  /** Xero's paging answer (present when a page was asked for). */
  pagination?: { page?: number; pageSize?: number; pageCount?: number; itemCount?: number };
}

export { DailyQuotaExhausted };

/** Invoice ids one `GET /Invoices?IDs=…` names: 50 GUIDs keep its URL within what Xero serves. */
export const INVOICE_IDS_PER_CALL = 50;

// xero-node calls the shared axios instance and takes no per-call options: each call's abort signal and timeout
// reach axios through this async context (an interceptor reads it), so concurrent calls never share them.
const callScope = new AsyncLocalStorage<{ signal?: AbortSignal; timeoutMs: number }>();
let interceptorInstalled = false;

function installInterceptor(): void {
  if (interceptorInstalled) return;
  interceptorInstalled = true;
  axios.interceptors.request.use((config) => {
    const scope = callScope.getStore();
    if (scope) {
      config.timeout = scope.timeoutMs;
      if (scope.signal) config.signal = scope.signal;
    }
    return config;
  });
}

// While an HTTP call is in flight the activity is waiting on Xero: that is progress, so it keeps heartbeating.
const HEARTBEAT_EVERY_MS = 5000;

export class XeroGateway {
  constructor(private readonly options: XeroGatewayOptions) {
    installInterceptor();
    installFastSerializer();
  }

  async createInvoices(ctx: CallContext, invoices: Invoice[], write: WriteOptions): Promise<Invoice[]> {
    // summarizeErrors=false: one invalid invoice must not hide which of the others Xero created.
    const res = await this.call(ctx, 'PUT /Invoices', (api) =>
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
    const res = await this.call(ctx, 'POST /Invoices', (api) =>
      api.updateOrCreateInvoices(ctx.tenantId, { invoices }, false, 4, write.idempotencyKey),
    );
    return res.invoices ?? [];
  }

  async getInvoicesByNumbers(ctx: CallContext, numbers: string[]): Promise<Invoice[]> {
    if (numbers.length === 0) return [];
    const res = await this.call(ctx, 'GET /Invoices', (api) =>
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

  /**
   * Invoices by id (one page of up to 100), reading as little as Xero allows: `summaryOnly` drops the lines, and
   * `modifiedSince` (If-Modified-Since) answers only those created or changed since then.
   */
  async getInvoicesByIds(
    ctx: CallContext,
    ids: string[],
    read: { summaryOnly: boolean; modifiedSince?: Date },
  ): Promise<Invoice[]> {
    if (ids.length === 0) return [];
    const res = await this.call(ctx, 'GET /Invoices', (api) =>
      api.getInvoices(
        ctx.tenantId,
        read.modifiedSince,
        undefined,
        undefined,
        ids,
        undefined,
        undefined,
        undefined,
        1,
        true,
        undefined,
        undefined,
        read.summaryOnly,
        100,
      ),
    );
    return res.invoices ?? [];
  }

  async getContacts(ctx: CallContext, query: ContactQuery): Promise<Contact[]> {
    return (await this.getContactPage(ctx, { page: 1, pageSize: 100, ...query })).contacts;
  }

  /** One page of contacts with Xero's pagination (how many there are in all). */
  async getContactPage(ctx: CallContext, query: ContactQuery): Promise<ContactPage> {
    const res = await this.call(ctx, 'GET /Contacts', (api) =>
      api.getContacts(
        ctx.tenantId,
        undefined,
        query.where,
        undefined,
        undefined,
        query.page,
        query.includeArchived,
        query.summaryOnly,
        query.searchTerm,
        query.pageSize,
      ),
    );
    return { contacts: res.contacts ?? [], pagination: res.pagination };
  }

  async getContactsByIds(ctx: CallContext, ids: string[]): Promise<Contact[]> {
    const res = await this.call(ctx, 'GET /Contacts', (api) =>
      api.getContacts(ctx.tenantId, undefined, undefined, undefined, ids, 1, true),
    );
    return res.contacts ?? [];
  }

  async createContacts(ctx: CallContext, contacts: Contact[], write: WriteOptions): Promise<Contact[]> {
    const res = await this.call(ctx, 'PUT /Contacts', (api) =>
      api.createContacts(ctx.tenantId, { contacts }, false, write.idempotencyKey),
    );
    return res.contacts ?? [];
  }

  async createCreditNotes(
    ctx: CallContext,
    creditNotes: CreditNote[],
    write: WriteOptions,
  ): Promise<CreditNote[]> {
    const res = await this.call(ctx, 'PUT /CreditNotes', (api) =>
      api.createCreditNotes(ctx.tenantId, { creditNotes }, false, 4, write.idempotencyKey),
    );
    return res.creditNotes ?? [];
  }

  /** Credit notes by a `where` filter (one page of up to 100); `modifiedSince` (If-Modified-Since): only those changed since. */
  async getCreditNotesWhere(
    ctx: CallContext,
    where: string,
    read: { modifiedSince?: Date } = {},
  ): Promise<CreditNote[]> {
    const res = await this.call(ctx, 'GET /CreditNotes', (api) =>
      api.getCreditNotes(ctx.tenantId, read.modifiedSince, where, undefined, 1, 4, 100),
    );
    return res.creditNotes ?? [];
  }

  async getCreditNote(ctx: CallContext, creditNoteId: string): Promise<CreditNote | undefined> {
    const res = await this.call(ctx, 'GET /CreditNotes/{id}', (api) =>
      api.getCreditNote(ctx.tenantId, creditNoteId, 4),
    );
    return res.creditNotes?.[0];
  }

  async allocateCreditNote(
    ctx: CallContext,
    creditNoteId: string,
    allocation: Allocation,
    write: WriteOptions,
  ): Promise<Allocation[]> {
    const res = await this.call(ctx, 'PUT /CreditNotes/{id}/Allocations', (api) =>
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
    const res = await this.call(ctx, 'PUT /Payments', (api) =>
      api.createPayments(ctx.tenantId, { payments }, false, write.idempotencyKey),
    );
    return res.payments ?? [];
  }

  /** Deletes a payment or refund (POST /Payments/{PaymentID} with Status DELETED). */
  async deletePayment(ctx: CallContext, paymentId: string, write: WriteOptions): Promise<Payment[]> {
    const res = await this.call(ctx, 'POST /Payments/{id}', (api) =>
      api.deletePayment(ctx.tenantId, paymentId, { status: 'DELETED' }, write.idempotencyKey),
    );
    return res.payments ?? [];
  }

  /** Takes a credit note's allocation off its invoice, giving the credit back. */
  async deleteAllocation(ctx: CallContext, creditNoteId: string, allocationId: string): Promise<void> {
    await this.call(ctx, 'DELETE /CreditNotes/{id}/Allocations/{id}', (api) =>
      api.deleteCreditNoteAllocations(ctx.tenantId, creditNoteId, allocationId),
    );
  }

  /**
   * Updates one invoice (POST /Invoices/{InvoiceID}): the lines sent replace its lines. Xero refuses it while a
   * payment or credit allocation is on the invoice, and for an approved one in a locked period.
   */
  async updateInvoice(
    ctx: CallContext,
    invoiceId: string,
    invoice: Invoice,
    write: WriteOptions,
  ): Promise<Invoice[]> {
    const invoices = { invoices: [{ ...invoice, invoiceID: invoiceId }] };
    const res = await this.call(ctx, 'POST /Invoices/{id}', (api) =>
      api.updateInvoice(ctx.tenantId, invoiceId, invoices, 4, write.idempotencyKey),
    );
    return res.invoices ?? [];
  }

  /** Voids an approved invoice (refused by Xero while payments or allocations remain). */
  async voidInvoice(ctx: CallContext, invoiceId: string, write: WriteOptions): Promise<Invoice[]> {
    return this.setInvoiceStatus(ctx, invoiceId, 'VOIDED', write);
  }

  /**
   * Voids an approved invoice, or deletes a draft or submitted one (Status DELETED): POST /Invoices/{InvoiceID}.
   * Refused by Xero while payments or allocations remain, and in a locked period.
   */
  async setInvoiceStatus(
    ctx: CallContext,
    invoiceId: string,
    status: 'VOIDED' | 'DELETED',
    write: WriteOptions,
  ): Promise<Invoice[]> {
    const invoices = {
      invoices: [{ invoiceID: invoiceId, status: status as unknown as Invoice.StatusEnum }],
    };
    const res = await this.call(ctx, 'POST /Invoices/{id}', (api) =>
      api.updateInvoice(ctx.tenantId, invoiceId, invoices, 4, write.idempotencyKey),
    );
    return res.invoices ?? [];
  }

  /** Voids an approved credit note (refused by Xero while allocations or refunds remain). */
  async voidCreditNote(ctx: CallContext, creditNoteId: string, write: WriteOptions): Promise<CreditNote[]> {
    return this.setCreditNoteStatus(ctx, creditNoteId, 'VOIDED', write);
  }

  /** Voids an approved credit note, or deletes a draft or submitted one: POST /CreditNotes/{CreditNoteID}. */
  async setCreditNoteStatus(
    ctx: CallContext,
    creditNoteId: string,
    status: 'VOIDED' | 'DELETED',
    write: WriteOptions,
  ): Promise<CreditNote[]> {
    const notes = {
      creditNotes: [{ creditNoteID: creditNoteId, status: status as unknown as CreditNote.StatusEnum }],
    };
    const res = await this.call(ctx, 'POST /CreditNotes/{id}', (api) =>
      api.updateCreditNote(ctx.tenantId, creditNoteId, notes, 4, write.idempotencyKey),
    );
    return res.creditNotes ?? [];
  }

  /** One payment or refund (GET /Payments/{PaymentID}): its Status (DELETED once deleted) and IsReconciled. */
  async getPayment(ctx: CallContext, paymentId: string): Promise<Payment | undefined> {
    const res = await this.call(ctx, 'GET /Payments/{id}', (api) => api.getPayment(ctx.tenantId, paymentId));
    return res.payments?.[0];
  }

  /** The organisation's chart of accounts (every status), for checking the business's settings. */
  async getAccounts(ctx: CallContext): Promise<Account[]> {
    const res = await this.call(ctx, 'GET /Accounts', (api) => api.getAccounts(ctx.tenantId));
    return res.accounts ?? [];
  }

  /** The organisation's tax rates (every status), for checking the business's settings. */
  async getTaxRates(ctx: CallContext): Promise<TaxRate[]> {
    const res = await this.call(ctx, 'GET /TaxRates', (api) => api.getTaxRates(ctx.tenantId));
    return res.taxRates ?? [];
  }

  /** The organisation's tracking categories and their options, archived ones included (to say what they are). */
  async getTrackingCategories(ctx: CallContext): Promise<TrackingCategory[]> {
    const res = await this.call(ctx, 'GET /TrackingCategories', (api) =>
      api.getTrackingCategories(ctx.tenantId, undefined, undefined, true),
    );
    return res.trackingCategories ?? [];
  }

  /** The organisation's own facts: base currency, plan, lock dates, short code. */
  async getOrganisation(ctx: CallContext): Promise<Organisation | undefined> {
    const res = await this.call(ctx, 'GET /Organisation', (api) => api.getOrganisations(ctx.tenantId));
    return res.organisations?.[0];
  }

  /** The currencies the organisation has enabled. */
  async getCurrencies(ctx: CallContext): Promise<Currency[]> {
    const res = await this.call(ctx, 'GET /Currencies', (api) => api.getCurrencies(ctx.tenantId));
    return res.currencies ?? [];
  }

  private async call<T>(
    ctx: CallContext,
    endpoint: string,
    fn: (api: AccountingApi) => Promise<{ response: { headers: unknown }; body: T }>,
  ): Promise<T> {
    let rateLimitWaits = 0;
    let transientRetries = 0;
    let reauthorised = false;
    for (;;) {
      // The token first: a refresh is not an Accounting API call and must not hold one of the tenant's slots.
      const accessToken = await this.options.tokens.accessToken(ctx.businessId);
      const waitStarted = Date.now();
      const lease = await this.options.limiter.acquire({
        tenantId: ctx.tenantId,
        dailyReserve: ctx.dailyReserve,
        requestId: ctx.requestId,
        signal: ctx.signal,
        onWait: ctx.heartbeat,
      });
      observeWait(ctx, endpoint, Date.now() - waitStarted);
      // A call Xero may already have (a retry after a lost answer) goes again whatever beforeSend says.
      if (ctx.beforeSend && transientRetries === 0)
        await ctx.beforeSend(lease.pausing).catch(async (err: unknown) => {
          await lease.release();
          throw err;
        });
      ctx.onCall?.(lease.probe);
      try {
        const { response, body } = await this.send(ctx, accessToken, fn);
        const quota = rateLimitHeaders(response.headers);
        observeAnswer(ctx, endpoint, (response as { status?: number }).status ?? 200, quota.dayRemaining);
        await lease.release(quota);
        return body;
      } catch (raw) {
        const err = raw instanceof AbortedError ? raw : parseXeroError(raw);
        if (err instanceof XeroApiError) {
          observeAnswer(ctx, endpoint, err.status || 'network_error', err.dayLimitRemaining);
          observeRateLimit(ctx, endpoint, err);
        } else observeAnswer(ctx, endpoint, 'aborted', undefined);
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
          await this.options.limiter.blockUntil(ctx.tenantId, resumeAt, true);
          throw new DailyQuotaExhausted(resumeAt, err.retryAfterSeconds !== undefined);
        }
        if (
          (err.kind === 'minute-limit' || err.kind === 'concurrent-limit') &&
          rateLimitWaits < (this.options.maxRateLimitWaits ?? 5)
        ) {
          rateLimitWaits += 1;
          const until = new Date(this.now() + (err.retryAfterSeconds ?? 1) * 1000);
          await this.options.limiter.blockUntil(ctx.tenantId, until);
          continue;
        }
        // A 5xx or a lost answer: try again shortly. A write goes again under the same Idempotency-Key, so
        // Xero replays its first answer if the first attempt did land.
        if (err.kind === 'transient' && transientRetries < (this.options.maxTransientRetries ?? 3)) {
          transientRetries += 1;
          await waitFor(250 * 2 ** transientRetries, ctx.signal, ctx.heartbeat);
          continue;
        }
        throw err;
      }
    }
  }

  /** The HTTP call itself, abortable, heartbeating while it waits for Xero's answer. */
  private async send<T>(
    ctx: CallContext,
    accessToken: string,
    fn: (api: AccountingApi) => Promise<{ response: { headers: unknown }; body: T }>,
  ): Promise<{ response: { headers: unknown }; body: T }> {
    if (ctx.signal?.aborted) throw new AbortedError();
    const api = new AccountingApi(this.options.apiUrl);
    api.accessToken = accessToken;
    ctx.heartbeat?.();
    const ticker = ctx.heartbeat ? setInterval(ctx.heartbeat, HEARTBEAT_EVERY_MS) : undefined;
    try {
      return await callScope.run({ signal: ctx.signal, timeoutMs: this.options.timeoutMs }, () => fn(api));
    } catch (err) {
      // An aborted call fails in axios like a network error; it is not Xero's failure.
      if (ctx.signal?.aborted) throw new AbortedError();
      throw err;
    } finally {
      if (ticker) clearInterval(ticker);
      ctx.heartbeat?.();
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
