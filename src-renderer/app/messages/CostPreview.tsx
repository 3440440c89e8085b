import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Language, MessageKind, SmsPreview } from '../../../src-preload/contract';
import { countSms, unicodeCharacters } from '../../../protocol/messaging/smsSegments';
import { placeholderName } from './reasons';

/** The rendered text with real values, and what it costs: asked of the core as the user types. */
export function CostPreview({
  kind = 'free_text',
  channel,
  body,
  subject = '',
  patientId,
  language,
  testId = 'cost-preview',
}: {
  /** Templates are previewed with sample values; free text as it will be stored. */
  kind?: MessageKind;
  channel: 'sms' | 'email';
  body: string;
  subject?: string;
  patientId?: string | null;
  language?: Language;
  testId?: string;
}) {
  const { t } = useTranslation('common');
  const [preview, setPreview] = useState<SmsPreview | null>(null);
  useEffect(() => {
    let current = true;
    void window.clinic.messages
      .preview({ kind, channel, body, subject, patientId: patientId ?? null, ...(language ? { language } : {}) })
      .then((r) => current && r.ok && setPreview(r.value));
    return () => {
      current = false;
    };
  }, [kind, channel, body, subject, patientId, language]);
  if (!preview) return null;
  const unicode = channel === 'sms' && preview.encoding === 'ucs2' ? unicodeCharacters(preview.text) : [];
  const withoutThem =
    unicode.length > 0 ? countSms([...preview.text].filter((c) => !unicode.includes(c)).join('')) : null;
  return (
    <div className="preview" data-testid={testId} data-segments={preview.segments} data-encoding={preview.encoding}>
      <p className="preview-text">{preview.text}</p>
      {preview.problems.length > 0 && (
        <div className="field-error" role="alert" data-testid={`${testId}-problems`}>
          {t('messages.problemsTitle')}
          <ul>
            {preview.problems.map((p) => (
              <li key={`${p.code}:${p.placeholder}`} data-placeholder={p.placeholder}>
                {t(`messages.reasons.${p.code}`, { placeholder: placeholderName(t, p.placeholder) })}
              </li>
            ))}
          </ul>
        </div>
      )}
      {channel === 'sms' && (
        <p className="hint">
          <strong data-testid={`${testId}-parts`}>{t('messages.parts', { count: preview.segments })}</strong> ·{' '}
          {t('messages.credits', { count: preview.credits })} · {t('messages.remaining', { count: preview.remaining })}
          <br />
          <span data-testid={`${testId}-encoding`}>
            {t(preview.encoding === 'gsm7' ? 'messages.gsm7' : 'messages.ucs2')}
          </span>
        </p>
      )}
      {unicode.length > 0 && withoutThem && (
        <p className="hint warning" data-testid={`${testId}-unicode`}>
          {t('messages.unicodeChars')}{' '}
          {unicode.map((c) => (
            <mark key={c} className="unicode-char" data-testid={`${testId}-unicode-char`}>
              {c}
            </mark>
          ))}{' '}
          {withoutThem.segments < preview.segments &&
            t('messages.unicodeCost', { count: preview.segments, without: withoutThem.segments })}
        </p>
      )}
    </div>
  );
}
