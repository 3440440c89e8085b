/**
 * Message templates: {patient.firstName}, {appointment.date}, … are filled with real values, formatted in
 * the message's language and the practice's time zone. A text is stored only when every placeholder in it
 * exists for its kind and has a value: a patient must never receive a raw `{patient.firstName}` or
 * "Best wishes from everyone at ." (an empty practice name).
 */
import { intlLocale, regionalText } from '../../../protocol/locale';
import { PLACEHOLDERS, type Placeholder, type PlaceholderProblem } from '../../../src-preload/contract';

export { PLACEHOLDERS, type Placeholder };

export interface PlaceholderContext {
  language: string;
  timeZone: string;
  /** The practice's country: dates in its regional format (en-GB, de-CH …), Swiss German without ß. */
  country?: string;
  patient?: { firstName: string; lastName: string; salutation?: 'neutral' | 'female' | 'male' };
  appointment?: { startAt: number; typeName?: string };
  practitioner?: { name: string };
  practice: { name: string; phone: string };
  recall?: { reason: string };
}

/**
 * The courtesy titles written before the last name. Swedish and Danish practices address patients by name
 * (titles read as dated there), so those languages always use the full name.
 */
const TITLES: Record<string, { female: string; male: string } | undefined> = {
  en: { female: 'Ms', male: 'Mr' },
  de: { female: 'Frau', male: 'Herr' },
};

/** "Frau Berg" / "Mr Berg", or the full name when neutral or the language has no titles. */
function salutation(patient: NonNullable<PlaceholderContext['patient']>, language: string): string {
  const full = [patient.firstName, patient.lastName].filter((p) => p.trim()).join(' ');
  const title = patient.salutation && patient.salutation !== 'neutral' ? TITLES[language]?.[patient.salutation] : null;
  return title && patient.lastName.trim() ? `${title} ${patient.lastName}` : full;
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
    at === undefined ? undefined : formatter(intlLocale(ctx.language, ctx.country), ctx.timeZone, options).format(at);
  return {
    'patient.firstName': () => ctx.patient?.firstName,
    'patient.lastName': () => ctx.patient?.lastName,
    'patient.fullName': () =>
      ctx.patient ? [ctx.patient.firstName, ctx.patient.lastName].filter((p) => p.trim()).join(' ') : undefined,
    'patient.salutation': () => (ctx.patient ? salutation(ctx.patient, ctx.language) : undefined),
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

/** Anything shaped like a placeholder, also misspelt ones, so that a typo is caught rather than sent. */
const TOKEN = /\{\s*([A-Za-z_]+(?:\.[A-Za-z_]+)*)\s*\}/g;

export interface Rendered {
  /** The filled-in text; placeholders that could not be filled stay visible (for the preview). */
  text: string;
  problems: PlaceholderProblem[];
}

/** Fills in the placeholders allowed for the message's kind; the others, and those without a value, are problems. */
export function renderTemplate(body: string, ctx: PlaceholderContext, allowed: readonly Placeholder[]): Rendered {
  const getters = placeholderGetters(ctx);
  const problems: PlaceholderProblem[] = [];
  const note = (code: PlaceholderProblem['code'], placeholder: string) => {
    if (!problems.some((p) => p.code === code && p.placeholder === placeholder)) problems.push({ code, placeholder });
  };
  // The template in the regional spelling first; the values (names) go in as written.
  const text = regionalText(body, ctx.language, ctx.country).replace(TOKEN, (whole, name: string) => {
    if (!allowed.includes(name as Placeholder)) {
      note('placeholder_unknown', name);
      return whole;
    }
    const value = getters[name as Placeholder]();
    if (value === undefined || value.trim() === '') {
      note('placeholder_missing', name);
      return whole;
    }
    return value;
  });
  return { text, problems };
}

/** Placeholders a template uses that its kind does not have (checked when a template is saved). */
export function unknownPlaceholders(text: string, allowed: readonly Placeholder[]): string[] {
  return [...new Set([...text.matchAll(TOKEN)].map((m) => m[1]!).filter((n) => !allowed.includes(n as Placeholder)))];
}
