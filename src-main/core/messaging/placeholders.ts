/**
 * Message templates: {patient.firstName}, {appointment.date}, … are filled with real values, formatted in
 * the message's language and the practice's time zone. Unknown placeholders are left visible, so a typo in
 * a template shows in the preview instead of vanishing.
 */
export const PLACEHOLDERS = [
  'patient.firstName',
  'patient.lastName',
  'patient.fullName',
  'appointment.date',
  'appointment.time',
  'appointment.weekday',
  'appointment.type',
  'practitioner.name',
  'practice.name',
  'practice.phone',
  'recall.reason',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export interface PlaceholderContext {
  language: string;
  timeZone: string;
  patient?: { firstName: string; lastName: string };
  appointment?: { startAt: number; typeName?: string };
  practitioner?: { name: string };
  practice: { name: string; phone: string };
  recall?: { reason: string };
}

export function placeholderValues(ctx: PlaceholderContext): Partial<Record<Placeholder, string>> {
  const at = ctx.appointment?.startAt;
  const format = (options: Intl.DateTimeFormatOptions) =>
    at === undefined
      ? undefined
      : new Intl.DateTimeFormat(ctx.language, { timeZone: ctx.timeZone, ...options }).format(at);
  return {
    'patient.firstName': ctx.patient?.firstName,
    'patient.lastName': ctx.patient?.lastName,
    'patient.fullName': ctx.patient ? `${ctx.patient.firstName} ${ctx.patient.lastName}` : undefined,
    'appointment.date': format({ day: '2-digit', month: '2-digit', year: 'numeric' }),
    'appointment.time': format({ hour: '2-digit', minute: '2-digit' }),
    'appointment.weekday': format({ weekday: 'long' }),
    'appointment.type': ctx.appointment?.typeName,
    'practitioner.name': ctx.practitioner?.name,
    'practice.name': ctx.practice.name,
    'practice.phone': ctx.practice.phone,
    'recall.reason': ctx.recall?.reason,
  };
}

export function renderTemplate(body: string, ctx: PlaceholderContext): string {
  const values = placeholderValues(ctx);
  return body.replace(/\{([a-zA-Z]+\.[a-zA-Z]+)\}/g, (whole, name: string) => values[name as Placeholder] ?? whole);
}
