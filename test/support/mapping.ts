import type { MappingSettings } from '../../src/engine/invoice-mapping';

/**
 * Mapping settings for the unit tests that map orders without a database (src/engine/invoice-mapping.ts): a
 * Singapore business on GST 9%, card payments into 091, the demo invoice numbers. A test overrides what it is about.
 */
export function mappingSettings(overrides: Partial<MappingSettings> = {}): MappingSettings {
  return {
    timeZone: 'Asia/Singapore',
    salesAccountCode: '200',
    taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '9' } },
    paymentAccounts: { card: '091' },
    invoiceNumberTemplate: '{CHANNEL}-{number}',
    invoiceStatus: 'AUTHORISED',
    roundingAccountCode: '860',
    noTaxType: 'NONE',
    ...overrides,
  };
}

/** What the daily-summary tests map with: the demo orders' three tax codes and three payment methods. */
export const SUMMARY_SETTINGS: MappingSettings = mappingSettings({
  taxTypes: {
    GST9: { taxType: 'OUTPUTY24', rate: '9' },
    GST8: { taxType: 'OUTPUTY23', rate: '8' },
    ZERO: { taxType: 'ZERORATEDOUTPUT', rate: '0' },
  },
  paymentAccounts: { card: '091', cash: '092', paynow: '090' },
});

/** The contact a walk-in (POS) order goes to. */
export const WALK_IN = { name: 'Walk-in Customer' };
