import { z } from 'zod';
import { FieldProblem } from '../errors';

/** application/problem+json (RFC 9457), as every error of the API is rendered (src/api/errors.ts). */
export const Problem = z.object({
  type: z.string(),
  status: z.number().int(),
  title: z.string(),
  detail: z.string(),
  errors: z.array(FieldProblem).optional(),
  errorId: z.string().optional().describe('For 500s: quote it; the same id is in the log.'),
});
export type Problem = z.infer<typeof Problem>;
