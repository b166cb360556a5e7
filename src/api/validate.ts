import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { ApiError } from './errors';

/** Turns zod issues into problem+json field errors: each names the field's path and what to do. */
export function toFieldErrors(error: z.ZodError, prefix: string): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/** Validates req.body against a schema, replacing it with the parsed (defaulted) value. */
export function validateBody(schema: z.ZodType): RequestHandler {
  return (req, _res, next) => {
    const result = schema.safeParse(req.body ?? {});
    if (!result.success) {
      const errors = toFieldErrors(result.error, 'body');
      next(
        new ApiError(400, 'Invalid request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors),
      );
      return;
    }
    req.body = result.data;
    next();
  };
}
