import {
  contactKey,
  contactLookupQuery,
  contactNameFor,
  contactNameProblem,
  isSameContact,
  normaliseContactName,
} from '../../src/engine/contact-names';
import type { Order } from '../../src/orders/schema';

type ContactOrder = Pick<Order, 'channel' | 'location' | 'customer'>;
const location = { id: 'loc-1', name: '  Orchard   Road ' };
const pos: ContactOrder = { channel: 'pos', location, customer: { name: 'Ada Lim', email: null } };
const online = (name: string | null | undefined): ContactOrder => ({
  channel: 'online',
  location,
  customer: name === undefined ? null : { name },
});

describe('contactNameFor', () => {
  it('by-channel: POS orders go to the location, even when a customer is named', () => {
    expect(contactNameFor(pos, 'by-channel', 'Walk-in')).toBe('Orchard Road');
  });

  it('by-channel: online and b2b orders go to the customer, normalised', () => {
    expect(contactNameFor(online(' Ada  Lim '), 'by-channel', 'Walk-in')).toBe('Ada Lim');
    expect(contactNameFor({ ...online('Acme Pte Ltd'), channel: 'b2b' }, 'by-channel', 'Walk-in')).toBe(
      'Acme Pte Ltd',
    );
  });

  it('falls back to the walk-in name when the customer is missing, null or blank', () => {
    for (const name of [undefined, null, '', ' \t ']) {
      expect(contactNameFor(online(name), 'by-channel', ' Walk-in  Customer')).toBe('Walk-in Customer');
    }
  });

  it('customer mode prefers a named customer on any channel, else the location for POS', () => {
    expect(contactNameFor(pos, 'customer', 'Walk-in')).toBe('Ada Lim');
    expect(contactNameFor({ ...pos, customer: null }, 'customer', 'Walk-in')).toBe('Orchard Road');
    expect(contactNameFor(online(null), 'customer', 'Walk-in')).toBe('Walk-in');
  });

  it('single mode sends everything to the walk-in contact', () => {
    expect(contactNameFor(pos, 'single', 'Walk-in')).toBe('Walk-in');
  });
});

describe('normaliseContactName / contactKey', () => {
  it('trims and collapses tabs, newlines, no-break and ideographic spaces into one space', () => {
    expect(normaliseContactName('\u00a0Ada\t\n Lim\u3000Pte ')).toBe('Ada Lim Pte');
  });

  it('composes decomposed accents (NFC) so both spellings of "Café Ünïcode" get one key', () => {
    const decomposed = 'Cafe\u0301 U\u0308ni\u0308code';
    expect(normaliseContactName(decomposed)).toBe('Café Ünïcode');
    expect(contactKey(decomposed)).toBe(contactKey('CAFÉ ÜNÏCODE'));
  });

  it('keys names case-insensitively like Xero uniqueness, but keeps accents distinct', () => {
    expect(contactKey('  ACME  pte ltd')).toBe('acme pte ltd');
    expect(contactKey('Cafe')).not.toBe(contactKey('Café'));
    expect(contactKey('北京店')).toBe('北京店');
  });

  it('matches a Xero result by key, not by exact text', () => {
    expect(isSameContact('Acme  PTE Ltd', contactKey('acme pte ltd'))).toBe(true);
    expect(isSameContact('Acme Pte Ltd (old)', contactKey('acme pte ltd'))).toBe(false);
  });
});

describe('contactLookupQuery', () => {
  it('uses a lower-cased where clause for ordinary names', () => {
    expect(contactLookupQuery(' Ada  LIM ')).toEqual({
      kind: 'where',
      where: 'Name.ToLower()=="ada lim"',
      key: 'ada lim',
    });
  });

  it('keeps & and + raw in the where clause (URL-encoding is the HTTP client job)', () => {
    expect(contactLookupQuery('Tan & Sons + Co')).toMatchObject({
      where: 'Name.ToLower()=="tan & sons + co"',
    });
  });

  it('handles unicode names in the where clause', () => {
    expect(contactLookupQuery('北京店')).toMatchObject({ kind: 'where', where: 'Name.ToLower()=="北京店"' });
    expect(contactLookupQuery('Café Ünïcode')).toMatchObject({ where: 'Name.ToLower()=="café ünïcode"' });
  });

  it('uses searchTerm when the name has a double quote, which Xero where cannot escape', () => {
    expect(contactLookupQuery('Joe "The Plumber" Tan')).toEqual({
      kind: 'searchTerm',
      searchTerm: 'the plumber',
      key: 'joe "the plumber" tan',
    });
  });

  it('uses searchTerm for a backslash, and the whole key when nothing else is left', () => {
    expect(contactLookupQuery('A\\B Trading')).toMatchObject({ kind: 'searchTerm', searchTerm: 'b trading' });
    expect(contactLookupQuery('""')).toEqual({ kind: 'searchTerm', searchTerm: '""', key: '""' });
  });
});

describe('contactNameProblem', () => {
  it('accepts up to 255 characters (Xero Contact.Name max length) and names the length and the fix beyond', () => {
    expect(contactNameProblem('N'.repeat(255))).toBeNull();
    expect(contactNameProblem('N'.repeat(300))).toMatch(/is 300 characters; Xero allows 255\. Shorten/);
  });
});
