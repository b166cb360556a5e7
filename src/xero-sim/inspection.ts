import express, { type Request, type Response, type Router } from 'express';
import { trackingSpecOf } from './tracking';
import type { FaultRule } from './faults';
import type { ClientSpec, OrganisationSpec, TenantSpec } from './options';
import type { XeroSim } from './sim';
import { APP_KINDS, TIER_CONNECTION_LIMITS } from './scopes';
import { contactJson } from './render';
import type { ContactStatus, StoredContact } from './state';
import { randomUUID } from 'node:crypto';
import { editAsUser, reconcileAsUser, voidAsUser } from './reversals';

/** The simulator's own API under /__sim/ (not Xero): inspection, setup and fault control for tests and benchmarks. */

function body(req: Request): Record<string, unknown> {
  return req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
}

function faultRules(input: unknown): FaultRule[] {
  if (Array.isArray(input)) return input as FaultRule[];
  const record = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  if (Array.isArray(record.faults)) return record.faults as FaultRule[];
  return Object.keys(record).length > 0 ? [record as FaultRule] : [];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** What is wrong with an organisation spec's fields, if anything (dates are YYYY-MM-DD or null). */
function organisationSpecProblem(spec: Record<string, unknown>): string | null {
  for (const key of ['periodLockDate', 'endOfYearLockDate'])
    if (
      spec[key] !== undefined &&
      spec[key] !== null &&
      !(typeof spec[key] === 'string' && DAY.test(spec[key]))
    )
      return `${key} must be YYYY-MM-DD or null`;
  if (
    spec.currencies !== undefined &&
    !(Array.isArray(spec.currencies) && spec.currencies.every((c) => typeof c === 'string'))
  )
    return 'currencies must be a list of currency codes';
  for (const key of ['baseCurrency', 'class', 'shortCode'])
    if (spec[key] !== undefined && typeof spec[key] !== 'string') return `${key} must be a string`;
  return null;
}

/** Seeds contacts directly, archived ones included; active names stay unique, as Xero keeps them. */
function seedContacts(sim: XeroSim, req: Request, res: Response): void {
  const tenant = sim.tenants.get(String(req.params.tenantId).toLowerCase());
  if (!tenant) return void res.status(404).json({ error: 'unknown tenant' });
  const list = Array.isArray(body(req).Contacts) ? (body(req).Contacts as Record<string, unknown>[]) : [];
  const created: unknown[] = [];
  for (const raw of list) {
    const contact: StoredContact = {
      ContactID: randomUUID(),
      Name: String(raw.Name ?? ''),
      ContactStatus: (raw.ContactStatus as ContactStatus | undefined) ?? 'ACTIVE',
      ContactNumber: typeof raw.ContactNumber === 'string' ? raw.ContactNumber : undefined,
      EmailAddress: typeof raw.EmailAddress === 'string' ? raw.EmailAddress : undefined,
      IsCustomer: false,
      IsSupplier: false,
      updatedMs: sim.clock.now(),
    };
    if (
      contact.ContactStatus === 'ACTIVE' &&
      tenant.activeContactByLowerName.has(contact.Name.toLowerCase())
    ) {
      return void res.status(409).json({ error: `active contact name taken: ${contact.Name}` });
    }
    tenant.putContact(contact);
    created.push(contactJson(contact));
  }
  res.status(201).json({ Contacts: created });
}

export function inspectionRouter(sim: XeroSim): Router {
  const router = express.Router();
  router.use(express.json({ limit: '10mb' }));
  router.get('/stats', (_req, res) => void res.json(sim.stats()));
  router.get(
    '/tenants',
    (_req, res) =>
      void res.json(
        [...sim.tenants.values()].map((t) => ({
          tenantId: t.tenantId,
          name: t.name,
          limits: t.limits,
          dayResetOffsetSeconds: t.dayResetOffsetSeconds,
          organisation: t.organisation,
          highVolume: sim.highVolumeRule(t),
        })),
      ),
  );
  router.post('/tenants', (req, res) => {
    const spec = body(req) as TenantSpec & { connectClientId?: string };
    const tenant = sim.createTenant(spec);
    if (spec.connectClientId)
      sim.identity.connect(spec.connectClientId, [tenant.tenantId], randomUUID(), sim.clock.now());
    res.status(201).json({
      tenantId: tenant.tenantId,
      name: tenant.name,
      limits: tenant.limits,
      highVolume: tenant.highVolume,
    });
  });
  router.get('/tenants/:tenantId/invoices', (req, res) => {
    if (!sim.tenants.has(req.params.tenantId.toLowerCase()))
      return void res.status(404).json({ error: 'unknown tenant' });
    res.json({ Invoices: sim.invoices(req.params.tenantId.toLowerCase()) });
  });
  router.get('/tenants/:tenantId/credit-notes', (req, res) => {
    if (!sim.tenants.has(req.params.tenantId.toLowerCase()))
      return void res.status(404).json({ error: 'unknown tenant' });
    res.json({ CreditNotes: sim.creditNotes(req.params.tenantId.toLowerCase()) });
  });
  router.post('/tenants/:tenantId/contacts', (req, res) => seedContacts(sim, req, res));
  // Someone voids a document in Xero's own screens (its payments and allocations removed first, as Xero requires).
  for (const [path, kind] of [
    ['invoices', 'invoice'],
    ['credit-notes', 'credit-note'],
  ] as const)
    router.post(`/tenants/:tenantId/${path}/:id/void`, (req, res) => {
      const tenant = sim.tenants.get(req.params.tenantId.toLowerCase());
      if (!tenant || !voidAsUser(tenant, kind, req.params.id, sim.clock.now()))
        return void res.status(404).json({ error: 'unknown tenant or document' });
      res.status(204).end();
    });
  // Someone edits a document in Xero's own screens: its Reference (body { "Reference": "…" }), and UpdatedDateUTC.
  for (const [path, kind] of [
    ['invoices', 'invoice'],
    ['credit-notes', 'credit-note'],
  ] as const)
    router.post(`/tenants/:tenantId/${path}/:id/edit`, (req, res) => {
      const tenant = sim.tenants.get(req.params.tenantId.toLowerCase());
      const reference = body(req).Reference;
      if (typeof reference !== 'string') return void res.status(400).json({ error: 'Reference: a string' });
      if (!tenant || !editAsUser(tenant, kind, req.params.id, reference, sim.clock.now()))
        return void res.status(404).json({ error: 'unknown tenant or document' });
      res.status(204).end();
    });
  // Someone reconciles a payment to a bank statement line: IsReconciled, and Xero refuses to delete it.
  router.post('/tenants/:tenantId/payments/:id/reconcile', (req, res) => {
    const tenant = sim.tenants.get(req.params.tenantId.toLowerCase());
    if (!tenant || !reconcileAsUser(tenant, req.params.id, sim.clock.now()))
      return void res.status(404).json({ error: 'unknown tenant or payment' });
    res.status(204).end();
  });
  router.get('/tenants/:tenantId/organisation', (req, res) => {
    const tenant = sim.tenants.get(req.params.tenantId.toLowerCase());
    if (!tenant) return void res.status(404).json({ error: 'unknown tenant' });
    res.json(tenant.organisation);
  });
  router.post('/tenants/:tenantId/organisation', (req, res) => {
    const problem = organisationSpecProblem(body(req));
    if (problem) return void res.status(400).json({ error: problem });
    const updated = sim.setOrganisation(req.params.tenantId.toLowerCase(), body(req) as OrganisationSpec);
    if (!updated) return void res.status(404).json({ error: 'unknown tenant' });
    res.json(updated);
  });
  router.post('/tenants/:tenantId/tracking-categories', (req, res) => {
    const spec = trackingSpecOf(body(req));
    if (typeof spec === 'string') return void res.status(400).json({ error: spec });
    const made = sim.addTrackingCategory(req.params.tenantId.toLowerCase(), spec);
    if (typeof made === 'string')
      return void res.status(made.startsWith('unknown') ? 404 : 400).json({ error: made });
    res.status(201).json(made);
  });
  router.post('/tenants/:tenantId/tracking/:id', (req, res) => {
    const status = body(req).Status;
    if (status !== 'ACTIVE' && status !== 'ARCHIVED')
      return void res.status(400).json({ error: 'Status: ACTIVE or ARCHIVED' });
    const refused = sim.setTrackingStatus(req.params.tenantId.toLowerCase(), req.params.id, status);
    if (refused)
      return void res
        .status(refused.startsWith('unknown') || refused.startsWith('No ') ? 404 : 400)
        .json({ error: refused });
    res.status(204).end();
  });
  router.post('/clients', (req, res) => {
    const spec = body(req) as unknown as ClientSpec;
    if (spec.appKind !== undefined && !APP_KINDS.includes(spec.appKind))
      return void res.status(400).json({ error: `appKind: one of ${APP_KINDS.join(', ')}` });
    if (spec.tier !== undefined && !(spec.tier in TIER_CONNECTION_LIMITS))
      return void res
        .status(400)
        .json({ error: `tier: one of ${Object.keys(TIER_CONNECTION_LIMITS).join(', ')}` });
    const client = sim.createClient(spec);
    res.status(201).json({
      clientId: client.clientId,
      customConnectionTenantId: client.customConnectionTenantId ?? null,
      appKind: client.appKind,
      tier: client.tier ?? null,
    });
  });
  router.post('/tokens', (req, res) => {
    const b = body(req);
    const tenantIds = Array.isArray(b.tenantIds) ? b.tenantIds.map(String) : [];
    res
      .status(201)
      .json(sim.issueAccessToken(tenantIds, typeof b.clientId === 'string' ? b.clientId : undefined));
  });
  router.get('/connections', (_req, res) => void res.json([...sim.identity.connections.values()]));
  router.post('/connections/:id/revoke', (req, res) => {
    res.status(sim.identity.revokeConnection(req.params.id) ? 204 : 404).end();
  });
  router.get('/faults', (_req, res) => void res.json({ faults: sim.faults.list() }));
  router.post('/faults', (req, res) => {
    sim.setFaults(faultRules(req.body));
    res.json({ faults: sim.faults.list() });
  });
  router.post('/clock/advance', (req, res) => {
    sim.advanceClock(Number(body(req).seconds ?? 0));
    res.json({ simulatedNow: new Date(sim.clock.now()).toISOString() });
  });
  router.post('/reset', (_req, res) => {
    sim.reset();
    res.status(204).end();
  });
  return router;
}
