import { randomUUID } from 'node:crypto';
import { decimal } from './amounts';
import type { Decimal4 } from '../money';

/** A Singapore organisation's settings: SGD, GST 9% (OUTPUTY24) and the legacy 7%/8% rates, as Xero SG ships them. */

export interface SeedAccount {
  AccountID: string;
  Code: string;
  Name: string;
  Type: string;
  TaxType: string;
  Class: 'ASSET' | 'EQUITY' | 'EXPENSE' | 'LIABILITY' | 'REVENUE';
  EnablePaymentsToAccount: boolean;
  Status: 'ACTIVE' | 'ARCHIVED';
  BankAccountNumber?: string;
  BankAccountType?: 'BANK' | 'CREDITCARD' | 'PAYPAL' | 'NONE' | '';
  SystemAccount?: string;
  Description?: string;
}

export interface SeedTaxRate {
  Name: string;
  TaxType: string;
  ReportTaxType: string;
  /** Percent at 4 decimals. */
  rate: Decimal4;
  Status: 'ACTIVE' | 'DELETED' | 'ARCHIVED';
  CanApplyToRevenue: boolean;
}

type AccountRow = [
  code: string,
  name: string,
  type: string,
  cls: SeedAccount['Class'],
  tax: string,
  pay?: boolean,
];

const ACCOUNTS: AccountRow[] = [
  ['090', 'Business Bank Account', 'BANK', 'ASSET', 'NONE'],
  ['091', 'Card clearing', 'CURRENT', 'ASSET', 'NONE', true],
  ['092', 'Cash on hand', 'CURRENT', 'ASSET', 'NONE', true],
  ['610', 'Accounts Receivable', 'CURRENT', 'ASSET', 'NONE'],
  ['620', 'Prepayments', 'CURRENT', 'ASSET', 'NONE'],
  ['710', 'Office Equipment', 'FIXED', 'ASSET', 'INPUTY24'],
  ['800', 'Accounts Payable', 'CURRLIAB', 'LIABILITY', 'NONE'],
  ['820', 'GST', 'CURRLIAB', 'LIABILITY', 'NONE'],
  ['860', 'Rounding', 'CURRLIAB', 'LIABILITY', 'NONE'],
  ['960', 'Retained Earnings', 'EQUITY', 'EQUITY', 'NONE'],
  ['200', 'Sales', 'REVENUE', 'REVENUE', 'OUTPUTY24'],
  ['260', 'Other Revenue', 'REVENUE', 'REVENUE', 'OUTPUTY24'],
  ['270', 'Interest Income', 'REVENUE', 'REVENUE', 'NONE'],
  ['310', 'Cost of Goods Sold', 'DIRECTCOSTS', 'EXPENSE', 'INPUTY24'],
  ['400', 'Advertising', 'OVERHEADS', 'EXPENSE', 'INPUTY24'],
  ['404', 'Bank Fees', 'OVERHEADS', 'EXPENSE', 'NONE'],
  ['429', 'General Expenses', 'OVERHEADS', 'EXPENSE', 'INPUTY24'],
  ['477', 'Wages and Salaries', 'EXPENSE', 'EXPENSE', 'NONE'],
];

const SYSTEM_ACCOUNTS: Record<string, string> = {
  '610': 'DEBTORS',
  '800': 'CREDITORS',
  '820': 'GST',
  '860': 'ROUNDING',
  '960': 'RETAINEDEARNINGS',
};

export function seedAccounts(): SeedAccount[] {
  return ACCOUNTS.map(([code, name, type, cls, tax, pay]) => {
    const account: SeedAccount = {
      AccountID: randomUUID(),
      Code: code,
      Name: name,
      Type: type,
      TaxType: tax,
      Class: cls,
      EnablePaymentsToAccount: pay ?? false,
      Status: 'ACTIVE',
    };
    if (type === 'BANK') Object.assign(account, { BankAccountNumber: '0123456789', BankAccountType: 'BANK' });
    const system = SYSTEM_ACCOUNTS[code];
    if (system) account.SystemAccount = system;
    return account;
  });
}

type TaxRow = [type: string, name: string, report: string, rate: string, revenue: boolean];

const TAX_RATES: TaxRow[] = [
  ['OUTPUTY24', 'Standard-Rated Supplies', 'OUTPUT', '9', true],
  ['OUTPUTY23', 'Standard-Rated Supplies (8%)', 'OUTPUT', '8', true],
  ['OUTPUT', 'Standard-Rated Supplies (7%)', 'OUTPUT', '7', true],
  ['ZERORATEDOUTPUT', 'Zero-Rated Supplies', 'ZERORATEDOUTPUT', '0', true],
  ['ES33OUTPUT', 'Exempt Supplies', 'ES33OUTPUT', '0', true],
  ['OSOUTPUT', 'Out Of Scope Supplies', 'OSOUTPUT', '0', true],
  ['INPUTY24', 'Standard-Rated Purchases', 'INPUT', '9', false],
  ['NONE', 'No GST', 'NONE', '0', true],
];

export function seedTaxRates(): SeedTaxRate[] {
  return TAX_RATES.map(([TaxType, Name, ReportTaxType, rate, CanApplyToRevenue]) => ({
    TaxType,
    Name,
    ReportTaxType,
    rate: decimal(rate),
    Status: 'ACTIVE',
    CanApplyToRevenue,
  }));
}
