import type { RequestHandler } from 'express';
import type { Operation } from './operation';
import { sendProblem } from './errors';

interface Resource {
  pattern: RegExp;
  /** Path parameters in the template: a literal segment beats a parameter (/preview is not /{id}). */
  params: number;
  methods: string[];
  segments: number;
}

/** Segments of a path, one trailing slash aside (a parameter matches exactly one segment). */
function segmentsOf(path: string): number {
  return path.replace(/\/$/, '').split('/').length;
}

/** The document's resources, each with the methods it declares (GET implies HEAD, as Express serves it). */
function resourcesOf(operations: readonly Operation[]): Resource[] {
  const byPath = new Map<string, Set<string>>();
  for (const op of operations) {
    const methods = byPath.get(op.path) ?? new Set<string>();
    methods.add(op.method.toUpperCase());
    if (op.method === 'get') methods.add('HEAD');
    byPath.set(op.path, methods);
  }
  return [...byPath].map(([path, methods]) => ({
    // Express matches case-insensitively and with an optional trailing slash; so does this.
    pattern: new RegExp(
      `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`,
      'i',
    ),
    params: (path.match(/:/g) ?? []).length,
    segments: segmentsOf(path),
    methods: [...methods, 'OPTIONS'],
  }));
}

/**
 * Method dispatch before routing: OPTIONS answers 204 with the resource's own methods in `Allow`; a method the
 * document does not declare for the resource answers 405 with `Allow` (RFC 9110), not 404.
 */
export function methodGuard(operations: readonly Operation[]): RequestHandler {
  // By their number of segments, the only ones a path can match: a progress poll tests a few patterns, not ~50.
  const bySegments = new Map<number, Resource[]>();
  for (const r of resourcesOf(operations))
    bySegments.set(r.segments, [...(bySegments.get(r.segments) ?? []), r]);
  return (req, res, next) => {
    const candidates = bySegments.get(segmentsOf(req.path)) ?? [];
    const matching = candidates.filter((r) => r.pattern.test(req.path)).sort((a, b) => a.params - b.params);
    const resource = matching[0];
    if (!resource) return next();
    const allow = resource.methods.join(', ');
    if (req.method === 'OPTIONS') return void res.set('Allow', allow).status(204).end();
    if (resource.methods.includes(req.method)) return next();
    res.set('Allow', allow);
    sendProblem(res, 405, {
      title: 'Method Not Allowed',
      detail: `${req.method} is not supported on ${req.path}; use ${resource.methods.filter((m) => m !== 'OPTIONS' && m !== 'HEAD').join(' or ')} (see /docs).`,
    });
  };
}
