import { z } from 'zod';
import { FieldProblem } from '../errors';

/** The problem type of a submit whose range has nothing to write (a relative URI reference, RFC 9457 §3.1.1). */
export const NOTHING_TO_SEND = 'nothing_to_send';

/** application/problem+json (RFC 9457), as every error of the API is rendered (src/api/errors.ts). */
export const Problem = z.object({
  type: z
    .string()
    .describe(
      '"about:blank", or a problem this API names: "nothing_to_send" (409: the range has nothing to write); an ' +
        'undo’s refusal (409): "request_open", "orders_in_use", "undo_running", "nothing_to_undo" (docs/undo.md).',
    ),
  status: z.number().int(),
  title: z.string(),
  detail: z.string(),
  errors: z.array(FieldProblem).optional(),
  errorId: z.string().optional().describe('For 500s: quote it; the same id is in the log.'),
  counts: z
    .object({
      total: z.number().int(),
      alreadySynced: z.number().int(),
      voided: z.number().int(),
      toSync: z.number().int(),
    })
    .optional()
    .describe('With "nothing_to_send": the orders of the range, those already in Xero, those voided.'),
});
export type Problem = z.infer<typeof Problem>;
