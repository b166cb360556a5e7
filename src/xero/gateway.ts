import axios from 'axios';
import { AccountingApi } from 'xero-node';
import type { Contact, Invoice, Payment } from 'xero-node';
import { parseXeroError, rateLimitHeaders } from './errors';
import type { TokenProvider } from './tokens';

/**
 * The one wrapper around Xero's Accounting API. Everything that talks to Xero goes through here: xero-node is
 * never called positionally anywhere else, its JSON-string rejections are parsed once (into XeroApiError),
 * and every call is counted so progress can show the calls used.
 */
export interface XeroGatewayOptions {
  apiUrl: string;
  tokens: TokenProvider;
  timeoutMs: number;
  /** Called after every response (or error) with Xero's quota headers, for pacing. */
  onQuota?: (tenantId: string, quota: ReturnType<typeof rateLimitHeaders>) => void;
}

export interface CallContext {
  businessId: string;
  tenantId: string;
}

export interface WriteOptions {
  idempotencyKey: string;
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

  async getInvoicesByNumbers(ctx: CallContext, numbers: string[]): Promise<Invoice[]> {
    if (numbers.length === 0) return [];
    const res = await this.call(ctx, (api) =>
      api.getInvoices(ctx.tenantId, undefined, undefined, undefined, undefined, numbers, undefined, undefined, 1, undefined, undefined, 4, undefined, 100),
    );
    return res.invoices ?? [];
  }

  async getContacts(ctx: CallContext, query: { where?: string; searchTerm?: string; includeArchived?: boolean }): Promise<Contact[]> {
    const res = await this.call(ctx, (api) =>
      api.getContacts(ctx.tenantId, undefined, query.where, undefined, undefined, 1, query.includeArchived, undefined, query.searchTerm, 100),
    );
    return res.contacts ?? [];
  }

  async createContacts(ctx: CallContext, contacts: Contact[], write: WriteOptions): Promise<Contact[]> {
    const res = await this.call(ctx, (api) => api.createContacts(ctx.tenantId, { contacts }, false, write.idempotencyKey));
    return res.contacts ?? [];
  }

  async createPayments(ctx: CallContext, payments: Payment[], write: WriteOptions): Promise<Payment[]> {
    const res = await this.call(ctx, (api) => api.createPayments(ctx.tenantId, { payments }, false, write.idempotencyKey));
    return res.payments ?? [];
  }

  private async call<T>(ctx: CallContext, fn: (api: AccountingApi) => Promise<{ response: { headers: unknown }; body: T }>): Promise<T> {
    const api = new AccountingApi(this.options.apiUrl);
    api.accessToken = await this.options.tokens.accessToken(ctx.businessId);
    this.calls += 1;
    try {
      const { response, body } = await fn(api);
      this.options.onQuota?.(ctx.tenantId, rateLimitHeaders(response.headers as Record<string, unknown>));
      return body;
    } catch (raw) {
      const err = parseXeroError(raw);
      if (err.kind === 'unauthorized') this.options.tokens.invalidate(ctx.businessId);
      this.options.onQuota?.(ctx.tenantId, { dayRemaining: err.dayLimitRemaining, minRemaining: err.minLimitRemaining });
      throw err;
    }
  }
}
