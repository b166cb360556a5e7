import type { RequestHandler, Response } from 'express';
import type { Config } from '../config';
import type { Db } from '../db/pool';
import { verifyApiKey } from '../api-keys/store';
import { ApiError } from './errors';
import { csrfRefusal, pageCallerOf } from './page/session';
import type { PageCaller } from './page/session';

/**
 * Bearer API-key authentication. A key belongs to one business; handlers read it from `businessOf(res)`, never
 * from the request, so a key can only ever see its own business.
 */
export function requireApiKey(db: Db): RequestHandler {
  return (req, res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer');
      next(unauthorized('Send your API key as `Authorization: Bearer <key>`.'));
      return;
    }
    verifyApiKey(db, match[1]!).then((found) => {
      if (!found) {
        res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
        next(
          unauthorized('The API key is unknown or revoked; create one with `npm run cli -- keys create`.'),
        );
        return;
      }
      res.locals.businessId = found.businessId;
      res.locals.apiKeyId = found.keyId;
      next();
    }, next);
  };
}

/**
 * /api for the platform's backend (an API key) and for the merchant page (its session cookie). A request with an
 * Authorization header is a key's, whatever cookie it carries. A session reaches only the operations the page
 * uses (`session: true`, checked by mount), and its writes need the page's CSRF token.
 */
export function requireKeyOrPageSession(db: Db, cfg: Config): RequestHandler {
  const byKey = requireApiKey(db);
  return (req, res, next) => {
    if (req.get('authorization') !== undefined) return byKey(req, res, next);
    pageCallerOf(req, cfg, db).then((caller) => {
      if (!caller) return byKey(req, res, next);
      const refused = csrfRefusal(req, caller);
      if (refused) return next(new ApiError(403, 'Forbidden', refused));
      res.locals.businessId = caller.businessId;
      res.locals.pageCaller = caller;
      next();
    }, next);
  };
}

/** The page session the request came with, when it came with one rather than an API key. */
export function pageCallerFrom(res: Response): PageCaller | undefined {
  return res.locals.pageCaller as PageCaller | undefined;
}

function unauthorized(detail: string): ApiError {
  return new ApiError(401, 'Unauthorized', detail);
}

/** The business of the authenticated key (set by requireApiKey). */
export function businessOf(res: Response): string {
  const id = res.locals.businessId as unknown;
  if (typeof id !== 'string') throw new Error('requireApiKey must run before this handler');
  return id;
}
