import type { Request, Response } from 'express';
import type { Config } from '../../config';
import type { Db } from '../../db/pool';
import { isCsrfTokenOf, verifyPageSession } from '../../sessions/store';
import type { PageSession } from '../../sessions/store';

/**
 * The merchant page's session cookie: HttpOnly (no script reads it), SameSite (lax by default), scoped to the
 * whole origin (the page calls /api), with the session's expiry; Secure, and named with the __Host- prefix
 * (no Domain, Path=/, Secure enforced by the browser), when the page is served over TLS (PUBLIC_URL https).
 */
export interface PageCaller {
  businessId: string;
  secret: string;
  expiresAt: Date;
}

export const CSRF_HEADER = 'x-csrf-token';

export function overTls(cfg: Config): boolean {
  return cfg.publicUrl.startsWith('https:');
}

export function sessionCookieName(cfg: Config): string {
  return overTls(cfg) ? '__Host-xms_session' : 'xms_session';
}

function cookieAttributes(cfg: Config, maxAgeSeconds: number): string {
  const sameSite = { lax: 'Lax', strict: 'Strict', none: 'None' }[cfg.PAGE_COOKIE_SAMESITE];
  return [
    'Path=/',
    'HttpOnly',
    `SameSite=${sameSite}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    ...(overTls(cfg) ? ['Secure'] : []),
  ].join('; ');
}

export function setSessionCookie(res: Response, cfg: Config, session: PageSession): void {
  const seconds = (session.expiresAt.getTime() - Date.now()) / 1000;
  res.append('Set-Cookie', `${sessionCookieName(cfg)}=${session.secret}; ${cookieAttributes(cfg, seconds)}`);
}

/** The session cookie's value, if the request carries one. */
export function sessionSecretOf(req: Request, cfg: Config): string | undefined {
  const name = sessionCookieName(cfg);
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The live session of the request, or null. */
export async function pageCallerOf(req: Request, cfg: Config, db: Db): Promise<PageCaller | null> {
  const secret = sessionSecretOf(req, cfg);
  if (!secret) return null;
  const found = await verifyPageSession(db, secret);
  return found ? { ...found, secret } : null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF protection of a session's writes: the request must carry the session's token (X-CSRF-Token, which only
 * the page itself knows) and must not come from another site (Sec-Fetch-Site, where the browser sends it).
 * Returns why a write is refused, or null.
 */
export function csrfRefusal(req: Request, caller: PageCaller): string | null {
  if (SAFE_METHODS.has(req.method)) return null;
  const site = req.get('sec-fetch-site');
  if (site && site !== 'same-origin')
    return 'A write to this page must come from the page itself, not from another site.';
  const token = req.get(CSRF_HEADER);
  if (!token || !isCsrfTokenOf(caller.secret, token))
    return 'The page’s CSRF token is missing or wrong; reload the page and try again.';
  return null;
}
