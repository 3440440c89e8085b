/** The admin panel (organisation admins, and the service's support) and contacts between users. */
import { z } from 'zod';
import { organisationSchema, ROLES } from './accounts';
import { emailSchema, instantSchema, languageSchema, nameSchema, text, uuidSchema } from './primitives';
import { route } from './route';

export const adminUserSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  username: z.string().nullable(),
  role: z.enum(ROLES),
  /** invited (link not used yet), registering (wizard in progress), active, or deleted. */
  state: z.enum(['invited', 'registering', 'active', 'deleted']),
  licence: z.boolean(),
  createdAt: instantSchema,
  registeredAt: instantSchema.nullable(),
});
export type AdminUser = z.infer<typeof adminUserSchema>;

export const statisticsSchema = z.object({
  from: instantSchema,
  to: instantSchema,
  registeredUsers: z.number().int(),
  activeLicences: z.number().int(),
  calls: z.number().int(),
  totalMinutes: z.number().int(),
  meetings: z.number().int(),
  invitations: z.object({ registration: z.number().int(), calls: z.number().int() }),
  /** Calls per staff member and UTC day (days since the epoch). */
  callsPerMember: z.array(
    z.object({
      accountId: z.string(),
      name: z.string(),
      days: z.array(z.object({ day: z.number().int(), calls: z.number().int() })),
    }),
  ),
});
export type Statistics = z.infer<typeof statisticsSchema>;

export const callLogEntrySchema = z.object({
  id: z.string(),
  kind: z.string(),
  name: z.string(),
  startedAt: instantSchema,
  endedAt: instantSchema.nullable(),
  durationS: z.number().int(),
  invitations: z.number().int(),
  participants: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type AdminCallLogEntry = z.infer<typeof callLogEntrySchema>;

export const contactSchema = z.object({
  id: z.string(),
  name: z.string(),
  username: z.string(),
  organisationName: z.string().nullable(),
  /** 'organisation': a colleague, always listed; 'added': chosen from the search. */
  source: z.enum(['organisation', 'added']),
});
export type Contact = z.infer<typeof contactSchema>;

/** Admin routes may name an organisation (the service's support); an organisation admin's is implied. */
const scope = z.object({ organisationId: uuidSchema.optional() }).strict();
const range = scope.extend({
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
});
const byId = z.object({ id: uuidSchema });
const sent = z.object({ status: z.literal('sent') });

export const adminRoutes = {
  invite: route('POST', '/api/admin/invitations', {
    body: z
      .object({
        email: emailSchema,
        language: languageSchema.default('en'),
        name: text(120).default(''),
        role: z.enum(['member', 'org_admin']).default('member'),
        organisationId: uuidSchema.optional(),
      })
      .strict(),
    answer: sent,
    status: 202,
  }),
  createOrganisation: route('POST', '/api/admin/organisations', {
    body: z.object({ name: nameSchema }).strict(),
    answer: organisationSchema,
    status: 201,
  }),
  organisation: route('GET', '/api/admin/organisation', {
    query: scope.optional(),
    answer: organisationSchema.extend({ createdAt: instantSchema }),
  }),
  renameOrganisation: route('PATCH', '/api/admin/organisation', {
    query: scope.optional(),
    body: z.object({ name: nameSchema }).strict(),
    answer: organisationSchema.extend({ createdAt: instantSchema }),
  }),
  users: route('GET', '/api/admin/users', { query: scope.optional(), answer: z.array(adminUserSchema) }),
  updateUser: route('PATCH', '/api/admin/users/:id', {
    params: byId,
    query: scope.optional(),
    body: z
      .object({
        name: nameSchema.optional(),
        email: emailSchema.optional(),
        licence: z.boolean().optional(),
        role: z.enum(['member', 'org_admin']).optional(),
      })
      .strict()
      .optional(),
    answer: adminUserSchema,
  }),
  resendInvitation: route('POST', '/api/admin/users/:id/invitation', {
    params: byId,
    query: scope.optional(),
    answer: sent,
    status: 202,
  }),
  statistics: route('GET', '/api/admin/statistics', { query: range.optional(), answer: statisticsSchema }),
  logs: route('GET', '/api/admin/logs', {
    query: range
      .extend({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      })
      .optional(),
    answer: z.array(callLogEntrySchema),
  }),
  /** Support checks a caller's service PIN (service admins only). */
  pinCheck: route('POST', '/api/admin/pin-check', {
    body: z
      .object({ username: z.string().max(80), pin: z.string().regex(/^\d{8}$/, { message: 'pin_invalid' }) })
      .strict(),
    answer: z.object({ valid: z.boolean() }),
  }),
};

export const contactRoutes = {
  list: route('GET', '/api/contacts', { answer: z.array(contactSchema) }),
  search: route('GET', '/api/contacts/search', {
    query: z.object({ q: z.string().trim().min(2, { message: 'query_short' }).max(100) }),
    answer: z.array(contactSchema),
  }),
  add: route('POST', '/api/contacts', {
    body: z.object({ id: uuidSchema }).strict(),
    answer: z.array(contactSchema),
    status: 201,
  }),
  remove: route('DELETE', '/api/contacts/:id', { params: byId, answer: z.array(contactSchema) }),
  /** A short SMS to a contact's mobile, paid with the practice's credits (once per idempotency key). */
  sms: route('POST', '/api/contacts/:id/sms', {
    params: byId,
    body: z
      .object({
        text: z.string().trim().min(1, { message: 'required' }).max(480, { message: 'too_long' }),
        tenantId: uuidSchema.optional(),
        idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, { message: 'key_invalid' }),
      })
      .strict(),
    answer: z.object({ parts: z.number().int().min(1), balance: z.number().int() }),
  }),
};
