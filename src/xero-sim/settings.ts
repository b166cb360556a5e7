import { jsonNumber } from './amounts';
import { dayToMsDate, msDate } from './clock';
import { envelope, type ApiContext } from './context';
import type { ApiResult } from './errors';
import { currencyName } from './organisation';

/** Read-only settings, enough for a client to validate its configured account codes and tax types. */

export function getOrganisation(ctx: ApiContext): ApiResult {
  const t = ctx.tenant;
  const org = t.organisation;
  // "Shown if set" (OpenAPI Organisation.PeriodLockDate / EndOfYearLockDate): Microsoft JSON dates.
  const locks = {
    ...(org.periodLockDate ? { PeriodLockDate: dayToMsDate(org.periodLockDate) } : {}),
    ...(org.endOfYearLockDate ? { EndOfYearLockDate: dayToMsDate(org.endOfYearLockDate) } : {}),
  };
  const organisation = {
    OrganisationID: t.tenantId,
    APIKey: '',
    Name: t.name,
    LegalName: `${t.name} Pte. Ltd.`,
    PaysTax: true,
    Version: 'GLOBAL',
    OrganisationType: 'COMPANY',
    BaseCurrency: org.baseCurrency,
    CountryCode: 'SG',
    IsDemoCompany: false,
    OrganisationStatus: 'ACTIVE',
    RegistrationNumber: '201912345K',
    TaxNumber: 'M90312345K',
    FinancialYearEndDay: 31,
    FinancialYearEndMonth: 12,
    SalesTaxBasis: 'ACCRUALS',
    SalesTaxPeriod: 'QUARTERLY',
    DefaultSalesTax: 'Tax Exclusive',
    DefaultPurchasesTax: 'Tax Exclusive',
    ...locks,
    CreatedDateUTC: msDate(t.createdMs, true),
    Timezone: 'SINGAPORESTANDARDTIME',
    OrganisationEntityType: 'COMPANY',
    ShortCode: org.shortCode,
    Class: org.class,
    Edition: 'BUSINESS',
    LineOfBusiness: 'Retail',
    Addresses: [],
    Phones: [],
    ExternalLinks: [],
    PaymentTerms: {},
  };
  return { status: 200, body: envelope(ctx, 'Organisations', [organisation]) };
}

export function getAccounts(ctx: ApiContext): ApiResult {
  const accounts = ctx.tenant.accounts.map((a) => ({
    ...a,
    CurrencyCode: a.Type === 'BANK' ? ctx.tenant.organisation.baseCurrency : undefined,
    ShowInExpenseClaims: false,
    ReportingCode: a.Class.slice(0, 3),
    ReportingCodeName: a.Class,
    HasAttachments: false,
    UpdatedDateUTC: msDate(ctx.tenant.createdMs, true),
    AddToWatchlist: false,
  }));
  return { status: 200, body: envelope(ctx, 'Accounts', accounts) };
}

export function getTaxRates(ctx: ApiContext): ApiResult {
  const rates = ctx.tenant.taxRates.map((r) => ({
    Name: r.Name,
    TaxType: r.TaxType,
    ReportTaxType: r.ReportTaxType,
    CanApplyToAssets: true,
    CanApplyToEquity: true,
    CanApplyToExpenses: !r.CanApplyToRevenue || r.TaxType === 'NONE',
    CanApplyToLiabilities: true,
    CanApplyToRevenue: r.CanApplyToRevenue,
    DisplayTaxRate: jsonNumber(r.rate, 4),
    EffectiveRate: jsonNumber(r.rate, 4),
    Status: r.Status,
    TaxComponents: [{ Name: 'GST', Rate: jsonNumber(r.rate, 4), IsCompound: false, IsNonRecoverable: false }],
  }));
  return { status: 200, body: envelope(ctx, 'TaxRates', rates) };
}

/** The currencies the organisation has enabled, its base currency first. */
export function getCurrencies(ctx: ApiContext): ApiResult {
  const currencies = ctx.tenant.organisation.currencies.map((Code) => ({
    Code,
    Description: currencyName(Code),
  }));
  return { status: 200, body: envelope(ctx, 'Currencies', currencies) };
}
