import { z } from 'zod';

/** application/problem+json (RFC 9457), as every error of the API is rendered (src/api/errors.ts). */
export const Problem = z.object({
  type: z.string(),
  status: z.number().int(),
  title: z.string(),
  detail: z.string(),
  errors: z
    .array(
      z.object({
        path: z.string().describe('Where: body.x, query.x, path.x or header.x'),
        message: z.string(),
      }),
    )
    .optional(),
  errorId: z.string().optional().describe('For 500s: quote it; the same id is in the log.'),
});
