/**
 * Why a message was not sent, as the core stores it in `error` (`placeholder_missing:practice.name`,
 * `no_time_before_appointment`, …; several separated by spaces), turned into translated sentences.
 * Provider errors (issue 10) arrive as free text and are shown as they are.
 */
import type { TFunction } from 'i18next';

const KNOWN = new Set([
  'placeholder_missing',
  'placeholder_unknown',
  'no_time_before_appointment',
  'birthday_after_hours',
  // Held on the server (issues 10, 11).
  'no_credits',
  'no_tenant',
  'no_subscription',
]);

export function messageReason(t: TFunction, error: string | null): string | null {
  if (!error) return null;
  const parts = error.split(' ').map((part) => {
    const [code = '', placeholder = ''] = part.split(':');
    if (!KNOWN.has(code)) return null;
    return t(`messages.reasons.${code}`, {
      ns: 'common',
      placeholder: placeholder ? placeholderName(t, placeholder) : '',
    });
  });
  if (parts.some((p) => p === null)) return t('messages.reasons.unknown', { ns: 'common', reason: error });
  return parts.join(' · ');
}

/** The placeholder's label in the user's language ("Practice name"), or its raw name if it has none. */
export const placeholderName = (t: TFunction, name: string): string =>
  t(`messages.placeholders.${name}`, { ns: 'common', defaultValue: `{${name}}` });
