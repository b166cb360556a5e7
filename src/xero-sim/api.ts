import express, { type Router } from 'express';
import { getContact, getContacts, postContacts, putContacts } from './contacts';
import { getCreditNote, getCreditNotes, putAllocations, putCreditNotes } from './credit-notes';
import { notFound } from './errors';
import { recordExchanges } from './exchange';
import { getInvoice, getInvoices, postInvoiceById, postInvoices, putInvoices } from './invoices';
import { getPayment, getPayments, putPayments } from './payments';
import { authenticate, handle, limitCalls, limitUrlLength, send } from './pipeline';
import { deleteAllocation, deletePayment, postCreditNoteById } from './reversals';
import { getAccounts, getCurrencies, getOrganisation, getTaxRates } from './settings';
import type { XeroSim } from './sim';
import { getTrackingCategories } from './tracking';

/** The Accounting API under /api.xro/2.0 (paths are case-insensitive, as on api.xero.com). */
export function apiRouter(sim: XeroSim): Router {
  const router = express.Router();
  // Raw bytes: the Idempotency-Key fingerprint is over the exact body; the size cap gives Xero's 413.
  router.use(express.raw({ type: () => true, limit: sim.options.maxBodyBytes }));
  const observer = sim.options.onExchange;
  if (observer) router.use(recordExchanges(observer));
  router.use(authenticate(sim), limitUrlLength(sim), limitCalls(sim));
  const h = (handler: Parameters<typeof handle>[1]) => handle(sim, handler);
  router.get('/Organisation', h(getOrganisation));
  router.get('/Accounts', h(getAccounts));
  router.get('/TaxRates', h(getTaxRates));
  router.get('/Currencies', h(getCurrencies));
  router.get('/TrackingCategories', h(getTrackingCategories));
  router.get('/Contacts', h(getContacts));
  router.put('/Contacts', h(putContacts));
  router.post('/Contacts', h(postContacts));
  router.get('/Contacts/:id', h(getContact));
  router.get('/Invoices', h(getInvoices));
  router.put('/Invoices', h(putInvoices));
  router.post('/Invoices', h(postInvoices));
  router.get('/Invoices/:id', h(getInvoice));
  router.post('/Invoices/:id', h(postInvoiceById));
  router.get('/Payments', h(getPayments));
  router.put('/Payments', h(putPayments));
  router.post('/Payments', h(putPayments));
  router.get('/Payments/:id', h(getPayment));
  router.post('/Payments/:id', h(deletePayment));
  router.get('/CreditNotes', h(getCreditNotes));
  router.put('/CreditNotes', h(putCreditNotes));
  router.post('/CreditNotes', h(putCreditNotes));
  router.get('/CreditNotes/:id', h(getCreditNote));
  router.post('/CreditNotes/:id', h(postCreditNoteById));
  router.put('/CreditNotes/:id/Allocations', h(putAllocations));
  router.delete('/CreditNotes/:id/Allocations/:allocationId', h(deleteAllocation));
  router.use((_req, res) => send(res, notFound()));
  return router;
}
