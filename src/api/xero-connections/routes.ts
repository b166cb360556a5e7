import { Router } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import { resumeWaitingRequests } from '../../requests/reconnect';
import { ConnectionError, XeroConnections } from '../../xero/connections';
import type { ConnectionErrorCode } from '../../xero/connections';
import { tokenCipherFromConfig } from '../../xero/token-crypto';
import { requireApiKey } from '../auth';
import { pageCallerOf } from '../page/session';
import { PAGE_PATH } from '../../web/html';
import { ApiError } from '../errors';
import { mount, reply } from '../operation';
import type { Operation } from '../operation';
import { AuthorizeRedirect, Problem } from '../../contract';
import { CONTROL_MESSAGE, PRINTABLE_PATTERN } from '../../text';

/**
 * Connecting a business to Xero over HTTP: GET /xero/connect (API key) redirects to Xero's consent page,
 * GET /xero/callback is where Xero sends the user back (authenticated by the single-use state), and
 * POST /xero/disconnect (API key) disconnects.
 */

const tag = 'Xero connection';
const BusinessQuery = z
  .object({
    business: z
      .string()
      .min(1, 'the business id is required')
      .max(100, 'must be at most 100 characters')
      .regex(PRINTABLE_PATTERN, CONTROL_MESSAGE),
  })
  .strict();
const Param = z.string().max(2000).regex(PRINTABLE_PATTERN, CONTROL_MESSAGE);

export const ConnectionView = z.object({
  businessId: z.string(),
  kind: z.enum(['oauth', 'custom']),
  tenantId: z.string().describe('The Xero organisation.'),
  tenantName: z.string().nullable(),
  status: z.enum(['active', 'needs_reconnect', 'disconnected']),
  lastError: z.string().nullable(),
});

export const xeroConnectionOperations = {
  connect: {
    method: 'get',
    path: '/xero/connect',
    operationId: 'connectXero',
    summary: 'Start connecting the business to Xero (OAuth 2.0 consent)',
    description:
      'Answers 302 to Xero’s consent page (authorization code with PKCE and a single-use state, valid 10 minutes). ' +
      'A backend holding the API key follows `authorizeUrl` (also the Location) with the user’s browser.',
    tag,
    auth: true,
    query: BusinessQuery,
    responses: {
      302: {
        description: 'To Xero’s consent page.',
        schema: AuthorizeRedirect,
        headers: { Location: 'Xero’s consent page.' },
      },
      404: { description: 'Not the API key’s business.', schema: Problem },
      409: {
        description:
          'Xero would refuse this consent: the app may not ask for these scopes (apps created since 2 March 2026 ' +
          'may only have granular ones; the detail names the setting to change), or the app has reached its ' +
          'pricing tier’s limit of connected organisations.',
        schema: Problem,
      },
      501: { description: 'No OAuth app configured (XERO_CLIENT_ID).', schema: Problem },
    },
  },
  callback: {
    method: 'get',
    path: '/xero/callback',
    operationId: 'xeroCallback',
    summary: 'Xero’s redirect after consent: stores the tokens and the organisation',
    tag,
    auth: false,
    query: z.object({
      code: Param.optional(),
      state: Param.min(1, 'Xero sends the state back; start again from /xero/connect'),
      scope: Param.optional(),
      error: Param.optional(),
      error_description: Param.optional(),
      session_state: Param.optional(),
    }),
    responses: {
      200: {
        description: 'Connected; requests waiting for a reconnect carry on.',
        schema: ConnectionView.extend({ resumedRequests: z.array(z.string()) }),
      },
      303: {
        description:
          'A browser with a Manual Syncing page session (Reconnect on the page) goes back to the page, ' +
          '`/manual-sync?xero=connected` (or `xero=not-connected&code=…`), which says how it went.',
        headers: { Location: 'The Manual Syncing page.' },
      },
      400: { description: 'Unknown, expired or used state; or consent refused.', schema: Problem },
      409: {
        description: 'Xero refused the app’s scopes (the detail names the setting to change).',
        schema: Problem,
      },
      502: { description: 'Xero refused the code.', schema: Problem },
    },
  },
  disconnect: {
    method: 'post',
    path: '/xero/disconnect',
    operationId: 'disconnectXero',
    summary: 'Disconnect the business from Xero',
    description:
      'Removes the connection in Xero and revokes an OAuth refresh token, then forgets every token and secret ' +
      '(OAuth or Custom Connection), in one transaction. If Xero could not be reached, the local disconnect still ' +
      'happens and `xero.notUndone` says what is left to do in Xero. Running requests wait in needs_reconnect ' +
      'until the business connects again (or are cancelled).',
    tag,
    auth: true,
    query: BusinessQuery,
    responses: {
      200: {
        description: 'Disconnected.',
        schema: ConnectionView.extend({
          xero: z.object({
            connectionDeleted: z.boolean().describe('The connection was removed in Xero.'),
            tokenRevoked: z
              .boolean()
              .nullable()
              .describe('The OAuth refresh token was revoked (null: a Custom Connection has none).'),
            notUndone: z
              .array(z.string())
              .describe('What could not be undone in Xero, and what to do. Locally everything is forgotten.'),
          }),
        }),
      },
      404: { description: 'Not the API key’s business, or it has no connection.', schema: Problem },
    },
  },
} satisfies Record<string, Operation>;

export interface XeroConnectionRouteDeps {
  cfg: Config;
  db: Db;
  temporal: Client;
  log: Logger;
}

const STATUS: Record<ConnectionErrorCode, [number, string]> = {
  'oauth-not-configured': [501, 'OAuth not configured'],
  'unknown-business': [404, 'Not Found'],
  'invalid-state': [400, 'Invalid state'],
  'consent-refused': [400, 'Consent refused'],
  'scope-refused': [409, 'Xero refused the app’s scopes'],
  'connection-limit': [409, 'Xero app connection limit reached'],
  'xero-refused': [502, 'Xero refused'],
  'xero-unavailable': [503, 'Xero unavailable'],
  'no-organisation': [409, 'No organisation'],
};

/** A connection step's failure as its HTTP status and title (the message is the detail). */
export function connectionErrorStatus(err: ConnectionError): { status: number; title: string } {
  const [status, title] = STATUS[err.code];
  return { status, title };
}

function toApiError(err: unknown): unknown {
  if (!(err instanceof ConnectionError)) return err;
  const { status, title } = connectionErrorStatus(err);
  return new ApiError(status, title, err.message);
}

/** The query's business must be the API key's: another business is "not found", never "forbidden". */
function ownBusiness(query: { business: string }, keyBusiness: string): string {
  if (query.business !== keyBusiness)
    throw new ApiError(404, 'Not Found', `Business ${JSON.stringify(query.business)} was not found.`);
  return keyBusiness;
}

export function xeroConnectionRoutes(deps: XeroConnectionRouteDeps): Router {
  const router = Router();
  const cipher = tokenCipherFromConfig(deps.cfg);
  const connections = cipher ? XeroConnections.fromConfig(deps.cfg, deps.db, cipher, deps.log) : undefined;
  const service = (): XeroConnections => {
    if (!connections)
      throw new ApiError(
        503,
        'Not configured',
        'TOKEN_ENCRYPTION_KEY is not set; Xero connections cannot be stored.',
      );
    return connections;
  };
  router.use(['/xero/connect', '/xero/disconnect'], requireApiKey(deps.db));

  mount(router, xeroConnectionOperations.connect, async ({ query, businessId }, res) => {
    const business = ownBusiness(query, businessId);
    const authorizeUrl = await service()
      .beginOAuth(business)
      .catch((err: unknown) => {
        throw toApiError(err);
      });
    res.location(authorizeUrl);
    reply(res, xeroConnectionOperations.connect, 302, { authorizeUrl });
  });

  mount(router, xeroConnectionOperations.callback, async ({ query }, res, req) => {
    const browser = req.accepts(['json', 'html']) === 'html';
    const done = await service()
      .completeOAuth({
        state: query.state,
        code: query.code,
        error: query.error,
        errorDescription: query.error_description,
      })
      .catch((err: unknown) => {
        if (browser && err instanceof ConnectionError) return err;
        throw toApiError(err);
      });
    // A merchant who pressed Reconnect on the Manual Syncing page goes back to it, which says how it went.
    const page = browser ? await pageCallerOf(req, deps.cfg, deps.db) : null;
    // The person is in a browser, back from Xero: tell them in words on a page of its own.
    if (done instanceof ConnectionError) {
      if (page) return void res.redirect(303, `${PAGE_PATH}?xero=not-connected&code=${done.code}`);
      return void res.status(connectionErrorStatus(done).status).type('html').send(failurePage(done));
    }
    const resumedRequests = await resume(deps, done.businessId);
    const body = { ...view(done.connection), resumedRequests };
    if (page?.businessId === done.businessId)
      return void res.redirect(303, `${PAGE_PATH}?xero=connected&resumed=${resumedRequests.length}`);
    if (browser) return void res.type('html').send(successPage(body, done.otherTenants));
    reply(res, xeroConnectionOperations.callback, 200, body);
  });

  mount(router, xeroConnectionOperations.disconnect, async ({ query, businessId }, res) => {
    const business = ownBusiness(query, businessId);
    const done = await service()
      .disconnect(business)
      .catch((err: unknown) => {
        throw toApiError(err);
      });
    reply(res, xeroConnectionOperations.disconnect, 200, { ...view(done.connection), xero: done.xero });
  });

  return router;
}

function view(c: z.infer<typeof ConnectionView>): z.infer<typeof ConnectionView> {
  return {
    businessId: c.businessId,
    kind: c.kind,
    tenantId: c.tenantId,
    tenantName: c.tenantName,
    status: c.status,
    lastError: c.lastError,
  };
}

/** Best effort: a request missed here resumes on its own periodic check. */
async function resume(deps: XeroConnectionRouteDeps, businessId: string): Promise<string[]> {
  try {
    return await resumeWaitingRequests(deps.temporal, businessId);
  } catch (err) {
    deps.log.warn('Could not signal requests waiting for a reconnect', {
      businessId,
      error: err instanceof Error ? err.message : String(err),
    });
    return [];
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function failurePage(err: ConnectionError): string {
  const { title } = connectionErrorStatus(err);
  return `<!doctype html><meta charset="utf-8"><title>Not connected to Xero</title>
<h1>Not connected to Xero</h1>
<p><b>${escapeHtml(title)}.</b> ${escapeHtml(err.message)}</p>`;
}

function successPage(c: z.infer<typeof ConnectionView>, otherTenants: number): string {
  const other =
    otherTenants > 0
      ? `<p>You authorised ${otherTenants + 1} organisations; this business uses the one above. To use another, connect again and pick only that one.</p>`
      : '';
  return `<!doctype html><meta charset="utf-8"><title>Connected to Xero</title>
<h1>Connected to Xero</h1>
<p>Business <b>${escapeHtml(c.businessId)}</b> is now connected to <b>${escapeHtml(c.tenantName ?? c.tenantId)}</b>. You can close this page.</p>
${other}`;
}
