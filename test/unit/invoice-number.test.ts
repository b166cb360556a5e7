import {
  DEFAULT_INVOICE_NUMBER_TEMPLATE,
  renderInvoiceNumber,
  validateSummaryTemplate,
  validateTemplate,
} from '../../src/businesses/invoice-number';

const order = {
  channel: 'pos' as const,
  number: '1001',
  id: 'ord_8f2',
  location: { id: 'loc-7', name: 'Orchard' },
};

describe('renderInvoiceNumber', () => {
  it('renders the default template as upper-case channel and order number', () => {
    expect(renderInvoiceNumber(DEFAULT_INVOICE_NUMBER_TEMPLATE, order)).toEqual({
      ok: true,
      invoiceNumber: 'POS-1001',
    });
  });

  it('substitutes every token, repeated tokens included', () => {
    expect(renderInvoiceNumber('{channel}/{CHANNEL}/{location}/{id}/{number}-{number}', order)).toEqual({
      ok: true,
      invoiceNumber: 'pos/POS/loc-7/ord_8f2/1001-1001',
    });
  });

  it('refuses a rendered number longer than 255 characters', () => {
    const long = { ...order, number: 'n'.repeat(100), id: 'i'.repeat(100) };
    expect(renderInvoiceNumber('{number}{id}', long).ok).toBe(true);
    const result = renderInvoiceNumber('{number}{id}{number}', long);
    expect(result).toEqual({
      ok: false,
      message: expect.stringContaining('300 characters; Xero allows 255'),
    });
  });

  it('refuses a rendered number containing a comma, which would break lookup by InvoiceNumbers', () => {
    expect(renderInvoiceNumber('{number}', { ...order, number: '10,01' }).ok).toBe(false);
  });
});

describe('validateTemplate', () => {
  it('accepts the default template and templates built on {id}', () => {
    expect(validateTemplate(DEFAULT_INVOICE_NUMBER_TEMPLATE)).toEqual([]);
    expect(validateTemplate('INV {location} {id}')).toEqual([]);
  });

  it('refuses an unknown token and lists the valid ones', () => {
    expect(validateTemplate('{CHANNEL}-{number}-{date}')).toEqual([
      expect.stringMatching(
        /Unknown token \{date\}.*\{channel\}, \{CHANNEL\}, \{number\}, \{id\}, \{location\}/,
      ),
    ]);
  });

  it('treats token names case-sensitively ({Number} is unknown)', () => {
    expect(validateTemplate('{Number}').join(' ')).toContain('Unknown token {Number}');
    expect(validateTemplate('{number}{toString}').join(' ')).toContain('Unknown token {toString}');
  });

  it('refuses a template without {number} or {id}, because numbers would repeat', () => {
    expect(validateTemplate('{CHANNEL}-{location}')).toEqual([
      expect.stringContaining('must contain {number} or {id}'),
    ]);
  });

  it('refuses unmatched braces, commas, empty and space-padded templates', () => {
    expect(validateTemplate('{number')).toEqual([expect.stringContaining('unmatched'), expect.any(String)]);
    expect(validateTemplate('{number},x')).toEqual([expect.stringContaining('comma')]);
    expect(validateTemplate('  ')).toEqual([expect.stringContaining('empty')]);
    expect(validateTemplate(' {number}')).toEqual([expect.stringContaining('spaces')]);
  });
});

describe('the daily summary number template (issue 23)', () => {
  it('accepts a template naming the channel, location and day', () => {
    expect(validateSummaryTemplate('{CHANNEL}-{LOCATION}-{DATE}')).toEqual([]);
    expect(validateSummaryTemplate('S-{channel}/{LOCATION}/{DATE}-{CURRENCY}')).toEqual([]);
  });

  it('refuses one that could give two summaries one number, an unknown token, or a comma, saying what to do', () => {
    expect(validateSummaryTemplate('{CHANNEL}-{DATE}')).toEqual([expect.stringContaining('must contain')]);
    expect(validateSummaryTemplate('{CHANNEL}-{LOCATION}-{DATE}-{number}')).toEqual([
      expect.stringContaining('Unknown token {number}'),
    ]);
    expect(validateSummaryTemplate('{CHANNEL},{LOCATION},{DATE}')).toEqual([
      expect.stringContaining('comma'),
    ]);
  });
});
