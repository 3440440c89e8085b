import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Language, SmsPreview } from '../../../src-preload/contract';

/** The rendered text with real values, and what it costs: asked of the core as the user types. */
export function CostPreview({
  channel,
  body,
  patientId,
  language,
  testId = 'cost-preview',
}: {
  channel: 'sms' | 'email';
  body: string;
  patientId?: string | null;
  language?: Language;
  testId?: string;
}) {
  const { t } = useTranslation('common');
  const [preview, setPreview] = useState<SmsPreview | null>(null);
  useEffect(() => {
    let current = true;
    void window.clinic.messages
      .preview({ channel, body, patientId: patientId ?? null, ...(language ? { language } : {}) })
      .then((r) => current && r.ok && setPreview(r.value));
    return () => {
      current = false;
    };
  }, [channel, body, patientId, language]);
  if (!preview) return null;
  return (
    <div className="preview" data-testid={testId} data-segments={preview.segments} data-encoding={preview.encoding}>
      <p className="preview-text">{preview.text}</p>
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
    </div>
  );
}
