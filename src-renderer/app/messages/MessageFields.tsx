import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { placeholdersFor, type BridgeError, type MessageKind } from '../../../src-preload/contract';
import { FieldError } from '../../components/forms';
import { PlaceholderButtons } from './PlaceholderButtons';

/** Subject (e-mail only), text and placeholder buttons: what writing a message and editing a template share. */
export function MessageFields({
  kind,
  toPatient = true,
  channel,
  subject,
  onSubject,
  body,
  onBody,
  error,
  testId,
}: {
  kind: MessageKind;
  /** Free text to a typed number or address has no patient placeholders. */
  toPatient?: boolean;
  channel: 'sms' | 'email';
  subject: string;
  onSubject: (subject: string) => void;
  body: string;
  onBody: (body: string) => void;
  error: BridgeError | null;
  testId: string;
}) {
  const { t } = useTranslation('common');
  const area = useRef<HTMLTextAreaElement>(null);
  return (
    <>
      {channel === 'email' && (
        <label>
          {t('messages.form.subject')}
          <input value={subject} onChange={(e) => onSubject(e.target.value)} />
          <FieldError error={error} field="subject" />
        </label>
      )}
      <label>
        {t('messages.form.body')}
        <textarea ref={area} rows={5} data-testid={testId} value={body} onChange={(e) => onBody(e.target.value)} />
        <FieldError error={error} field="body" />
      </label>
      <PlaceholderButtons names={placeholdersFor(kind, toPatient)} target={() => area.current} onInsert={onBody} />
    </>
  );
}
