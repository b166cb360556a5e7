import { z } from 'zod';

const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date in YYYY-MM-DD form, such as "2026-03-14"');

export const ContactMappingBody = z.discriminatedUnion(
  'mode',
  [
    z.object({ mode: z.literal('auto') }).strict(),
    z
      .object({
        mode: z.literal('manual'),
        contactId: z.uuid({
          message: 'must be the Xero ContactID (a UUID) of the contact to use for every order',
        }),
      })
      .strict(),
  ],
  { error: 'must be {"mode":"auto"} or {"mode":"manual","contactId":"<Xero ContactID>"}' },
);

export const SyncOptionsBody = z
  .object({
    invoiceStatus: z.enum(['DRAFT', 'SUBMITTED', 'AUTHORISED']).optional(),
    recordPayments: z.boolean().default(true),
    resyncPolicy: z.enum(['skip', 'update']).default('skip'),
  })
  .strict();

export const CreateSyncRequestBody = z
  .object({
    businessId: z.string().min(1, 'is required: the business whose orders to sync'),
    channel: z.enum(['pos', 'online', 'b2b'], { error: 'must be one of "pos", "online" or "b2b"' }),
    /** A location id, or "all" for every location of the channel. */
    locationId: z.string().min(1, 'is required: a location id, or "all"'),
    startDate: IsoDate,
    endDate: IsoDate,
    contactMapping: ContactMappingBody,
    options: SyncOptionsBody.default({ recordPayments: true, resyncPolicy: 'skip' }),
  })
  .strict();
export type CreateSyncRequestBody = z.infer<typeof CreateSyncRequestBody>;
