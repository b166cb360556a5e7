import { Router } from 'express';
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import type { AuthorizeRedirect, PageEvents } from '../../contract';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import { getBusiness } from '../../businesses/store';
import { createPageLink, csrfTokenOf, redeemPageLink } from '../../sessions/store';
import type { RedeemFailure } from '../../sessions/store';
import { ChangeFeed } from '../../requests/changes';
import type { DetailDeps } from '../../requests/history';
import { getRequest } from '../../requests/store';
import { ConnectionError, XeroConnections } from '../../xero/connections';
import { connectionErrorStatus } from '../xero-connections/routes';
import { tokenCipherFromConfig } from '../../xero/token-crypto';
import { clientScript, pageStylesheet } from '../../web/bundle';
import type { Asset } from '../../web/bundle';
import { messagePage, PAGE_PATH, pageShell } from '../../web/html';
import { mount, reply } from '../operation';
import type { Operation } from '../operation';
import { csrfRefusal, pageCallerOf, setSessionCookie } from './session';
import type { PageCaller } from './session';

/**
 * The Manual Syncing page, served by the API itself: the page link the platform's backend asks for (an API
 * operation), the link's exchange for a session cookie, the page's HTML and assets, its live-update stream and
 * its Reconnect button. The page's data comes from /api with the session (src/api/auth.ts).
 */

export const PageLinkView = z.object({
  url: z.string().describe('Send the merchant’s browser here (or frame it). Works once, until expiresAt.'),
  expiresAt: z.string(),
});

export const pageOperations = {
  createLink: {
    method: 'post',
    path: '/api/page-links',
    operationId: 'createPageLink',
    summary: 'A single-use link to the Manual Syncing page of the key’s business',
    description:
      'For the platform’s backend, which holds the API key: the link opens the page in the merchant’s browser ' +
      'with a session for this business only (an HttpOnly cookie), so the key never reaches a browser. It works ' +
      'once, for PAGE_LINK_SECONDS.',
    tag: 'Manual Syncing page',
    auth: true,
    responses: { 201: { description: 'The link.', schema: PageLinkView } },
  },
} satisfies Record<string, Operation>;

export interface PageRouteDeps extends DetailDeps {
  cfg: Config;
  db: Db;
  log: Logger;
}

const OPEN_AGAIN =
  'Open Manual Syncing again from your platform’s Xero settings: each link works once, for a few minutes.';

const REFUSED: Record<RedeemFailure | 'none', { title: string; message: string }> = {
  none: {
    title: 'Sign-in needed',
    message: 'This page needs a session, and this browser has none (or it has ended).',
  },
  unknown: { title: 'Link not valid', message: 'This page link is not one we gave out.' },
  expired: { title: 'Link expired', message: 'This page link has expired.' },
  used: { title: 'Link already used', message: 'This page link has already been used; links work once.' },
};

/** Headers of every page response: what may load (only this origin), who may frame it, no referrer. */
function pageHeaders(cfg: Config): RequestHandler {
  const ancestors = cfg.pageFrameAncestors.length ? cfg.pageFrameAncestors.join(' ') : "'none'";
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
  return (_req, res, next) => {
    res.set('Content-Security-Policy', csp);
    if (!cfg.pageFrameAncestors.length) res.set('X-Frame-Options', 'DENY');
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'no-referrer');
    next();
  };
}

function sendHtml(res: Response, status: number, html: string): void {
  res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
}

function refuse(res: Response, why: RedeemFailure | 'none'): void {
  sendHtml(res, 401, messagePage({ ...REFUSED[why], hint: OPEN_AGAIN }));
}

function sendAsset(req: Request, res: Response, asset: Asset): void {
  const etag = `"${asset.version}"`;
  res.set('ETag', etag).set('Cache-Control', 'no-cache').type(asset.contentType);
  if (req.get('if-none-match') === etag) return void res.status(304).end();
  res.send(asset.body);
}

/** Runs a page handler with the request's session; answers 401 (a page that says what to do) without one. */
function withSession(
  deps: PageRouteDeps,
  handler: (caller: PageCaller, req: Request, res: Response) => Promise<void>,
  onNone: (res: Response) => void = (res) => refuse(res, 'none'),
): RequestHandler {
  return (req, res, next) => {
    pageCallerOf(req, deps.cfg, deps.db)
      .then((caller) => (caller ? handler(caller, req, res) : onNone(res)))
      .catch(next);
  };
}

export function pageRoutes(deps: PageRouteDeps): Router {
  const router = Router();
  const { cfg } = deps;
  const feed = new ChangeFeed(deps, {
    intervalMs: 1000,
    onError: (err) =>
      deps.log.warn('Page change feed could not look', {
        error: err instanceof Error ? err.message : String(err),
      }),
  });

  mount(router, pageOperations.createLink, async ({ businessId }, res) => {
    const link = await createPageLink(deps.db, businessId, cfg.PAGE_LINK_SECONDS);
    res.set('Cache-Control', 'no-store');
    reply(res, pageOperations.createLink, 201, {
      url: pageLinkUrl(cfg, link.token),
      expiresAt: link.expiresAt.toISOString(),
    });
  });

  router.use(PAGE_PATH, pageHeaders(cfg));

  router.get(`${PAGE_PATH}/open`, (req, res, next) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    redeemPageLink(deps.db, token, cfg.PAGE_SESSION_SECONDS)
      .then((session) => {
        if (typeof session === 'string') return refuse(res, session);
        setSessionCookie(res, cfg, session);
        // The token leaves the address bar (and any history) at once.
        res.set('Cache-Control', 'no-store').redirect(303, PAGE_PATH);
      })
      .catch(next);
  });

  const shell = async (caller: PageCaller, res: Response) => {
    const [business, script] = await Promise.all([getBusiness(deps.db, caller.businessId), clientScript()]);
    sendHtml(
      res,
      200,
      pageShell({
        businessName: business?.name ?? caller.businessId,
        csrfToken: csrfTokenOf(caller.secret),
        scriptVersion: script.version,
      }),
    );
  };
  router.get(
    PAGE_PATH,
    withSession(deps, (caller, _req, res) => shell(caller, res)),
  );
  // The settings view (tax and payment mappings, the reserve) is the same page; the client shows it by its path.
  router.get(
    `${PAGE_PATH}/settings`,
    withSession(deps, (caller, _req, res) => shell(caller, res)),
  );
  // The reconciliation view (a request's, or a date range's: its scope is in the query) is the same page too.
  router.get(
    `${PAGE_PATH}/reconciliation`,
    withSession(deps, (caller, _req, res) => shell(caller, res)),
  );
  router.get(
    `${PAGE_PATH}/requests/:id`,
    withSession(deps, async (caller, req, res) => {
      const id = String(req.params.id);
      if (!/^sr_[a-z0-9]{1,64}$/.test(id) || !(await getRequest(deps.db, caller.businessId, id)))
        return sendHtml(
          res,
          404,
          messagePage({
            title: 'No such sync request',
            message: `This business has no sync request ${id}.`,
            hint: 'Go back to Manual Syncing to see every request of this business.',
          }),
        );
      await shell(caller, res);
    }),
  );

  router.get(`${PAGE_PATH}/assets/app.js`, (req, res, next) => {
    clientScript().then((asset) => sendAsset(req, res, asset), next);
  });
  router.get(`${PAGE_PATH}/assets/page.css`, (req, res) => sendAsset(req, res, pageStylesheet()));

  router.get(
    `${PAGE_PATH}/events`,
    withSession(
      deps,
      async (caller, req, res) => stream(feed, caller, req, res),
      (res) => void res.status(401).type('text').send('No session: open the page again from your platform.'),
    ),
  );

  router.post(
    `${PAGE_PATH}/reconnect`,
    withSession(deps, (caller, req, res) => reconnect(deps, caller, req, res)),
  );
  return router;
}

export function pageLinkUrl(cfg: Config, token: string): string {
  return `${cfg.publicUrl}${PAGE_PATH}/open?token=${token}`;
}

const PING_MS = 15_000;

/** The page's one stream: every change of its business's requests and connection, as Server-Sent Events. */
async function stream(feed: ChangeFeed, caller: PageCaller, req: Request, res: Response): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
  });
  // Each event's data is the contract's (PageEvents): the page client reads it with the same types.
  const send = <E extends keyof PageEvents>(event: E, data: PageEvents[E]) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  res.write('retry: 2000\n\n');
  send('ready', { expiresAt: caller.expiresAt.toISOString() });
  const unsubscribe = feed.subscribe(caller.businessId, (event) =>
    event.kind === 'request' ? send('request', event.request) : send('connection', event.connection),
  );
  const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
  // The session's end ends the stream; the page then says so (a reconnect would get 401).
  const expiry = setTimeout(
    () => {
      send('expired', {});
      res.end();
    },
    Math.min(caller.expiresAt.getTime() - Date.now(), 2 ** 31 - 1),
  );
  req.on('close', () => {
    unsubscribe();
    clearInterval(ping);
    clearTimeout(expiry);
  });
}

/** The Reconnect button: where to send the browser to connect the business to Xero again. */
async function reconnect(
  deps: PageRouteDeps,
  caller: PageCaller,
  req: Request,
  res: Response,
): Promise<void> {
  const refused = csrfRefusal(req, caller);
  if (refused) return void res.status(403).json({ title: 'Forbidden', detail: refused });
  const cipher = tokenCipherFromConfig(deps.cfg);
  const notPossible = (detail: string) =>
    void res.status(501).json({ title: 'Cannot reconnect here', detail });
  if (!cipher) return notPossible('Xero connections cannot be stored here (no TOKEN_ENCRYPTION_KEY).');
  try {
    const authorizeUrl = await XeroConnections.fromConfig(deps.cfg, deps.db, cipher, deps.log).beginOAuth(
      caller.businessId,
    );
    res.json({ authorizeUrl } satisfies AuthorizeRedirect);
  } catch (err) {
    if (err instanceof ConnectionError && err.code === 'oauth-not-configured')
      return notPossible(
        'This deployment has no Xero app for reconnecting from the page; ask your platform to reconnect the business.',
      );
    // Xero would refuse the consent (scopes, the app's connection limit): the page shows why, next to the button.
    if (err instanceof ConnectionError) {
      const { status, title } = connectionErrorStatus(err);
      return void res.status(status).json({ title, detail: err.message });
    }
    throw err;
  }
}
