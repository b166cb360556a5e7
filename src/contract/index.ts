/**
 * The API's contract in zod, defined once, one file per subject: a sync request, its states and what a merchant
 * asks for (`sync-request.ts`); what /api/sync-requests takes and answers (`request-views.ts`); the business,
 * its Xero connection, locations and contacts (`business.ts`); the errors (`problem.ts`); the page's own routes
 * and stream (`page.ts`). The API validates and generates /openapi.json with these schemas, src/definitions.ts
 * infers the workflow's types from them, and the page client (src/web/client) imports their types only, so no
 * shape the page reads is written twice. Import them from here.
 */
export * from './sync-request';
export * from './request-views';
export * from './reconciliation';
export * from './undo';
export * from './business';
export * from './problem';
export * from './page';
export * from './mappings';
