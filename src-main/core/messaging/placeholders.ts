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

/** Intl formatters are costly to build and there are only a few languages and zones: keep them. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(language: string, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${language}|${timeZone}|${JSON.stringify(options)}`;
  let cached = formatters.get(key);
  if (!cached) {
    cached = new Intl.DateTimeFormat(language, { timeZone, ...options });
    formatters.set(key, cached);
  }
  return cached;
}

/** Each placeholder's value, computed only when a template uses it (date formatting is not free). */
function placeholderGetters(ctx: PlaceholderContext): Record<Placeholder, () => string | undefined> {
  const at = ctx.appointment?.startAt;
  const format = (options: Intl.DateTimeFormatOptions) =>
    at === undefined ? undefined : formatter(ctx.language, ctx.timeZone, options).format(at);
  return {
    'patient.firstName': () => ctx.patient?.firstName,
    'patient.lastName': () => ctx.patient?.lastName,
    'patient.fullName': () => (ctx.patient ? `${ctx.patient.firstName} ${ctx.patient.lastName}` : undefined),
    'appointment.date': () => format({ day: '2-digit', month: '2-digit', year: 'numeric' }),
    'appointment.time': () => format({ hour: '2-digit', minute: '2-digit' }),
    'appointment.weekday': () => format({ weekday: 'long' }),
    'appointment.type': () => ctx.appointment?.typeName,
    'practitioner.name': () => ctx.practitioner?.name,
    'practice.name': () => ctx.practice.name,
    'practice.phone': () => ctx.practice.phone,
    'recall.reason': () => ctx.recall?.reason,
  };
}

export function renderTemplate(body: string, ctx: PlaceholderContext): string {
  const getters = placeholderGetters(ctx);
  return body.replace(/\{([a-zA-Z]+\.[a-zA-Z]+)\}/g, (whole, name: string) =>
    Object.hasOwn(getters, name) ? (getters[name as Placeholder]() ?? whole) : whole,
  );
}
