import type { RequestHandler, Response } from 'express';
import type { Db } from '../db/pool';
import { verifyApiKey } from '../api-keys/store';
import { ApiError } from './errors';

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

function unauthorized(detail: string): ApiError {
  return new ApiError(401, 'Unauthorized', detail);
}

/** The business of the authenticated key (set by requireApiKey). */
export function businessOf(res: Response): string {
  const id = res.locals.businessId as unknown;
  if (typeof id !== 'string') throw new Error('requireApiKey must run before this handler');
  return id;
}
