/**
 * A short SMS to a contact's mobile, paid with the practice's SMS credits: the text with its parts counted
 * as it is typed (what it costs), sent once however often "Send" is clicked (one key per dialog).
 */
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { countSms } from '../../../protocol/messaging/smsSegments';
import type { Contact } from '../../../src-preload/contract';
import { Dialog } from '../../components/Dialog';
import { FieldError, FormError, useCommand } from '../../components/forms';
import { newPaymentKey } from '../billing/billingModel';
import { useSubscriptionStore } from '../billing/subscriptionStore';

export function ContactSmsDialog({ contact, onClose }: { contact: Contact; onClose: () => void }) {
  const { t } = useTranslation('common');
  const [text, setText] = useState('');
  const [key, setKey] = useState(newPaymentKey);
  const [done, setDone] = useState<{ parts: number; balance: number } | null>(null);
  const command = useCommand();
  const id = useId();
  const parts = text.trim() ? countSms(text.trim()).segments : 0;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!(await useSubscriptionStore.getState().ensureUsable())) return onClose();
    const result = await command.run(window.clinic.contacts.sms({ id: contact.id, text, idempotencyKey: key }));
    if (result) setDone(result);
    // A refused or failed SMS is over: another attempt is a new message.
    else setKey(newPaymentKey());
  };
  const name = contact.name || contact.username;
  return (
    <Dialog title={t('contacts.sms.title', { name })} onClose={onClose} testId="contact-sms">
      {done ? (
        <>
          <p role="status" data-testid="contact-sms-done">
            {t('contacts.sms.sent', { count: done.parts, balance: done.balance })}
          </p>
          <div className="actions">
            <button type="button" onClick={onClose}>
              {t('common.close')}
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor={id}>{t('contacts.sms.text')}</label>
            <textarea
              id={id}
              rows={4}
              maxLength={480}
              value={text}
              onChange={(e) => setText(e.target.value)}
              data-testid="contact-sms-text"
            />
            <p className="hint" data-testid="contact-sms-parts">
              {t('contacts.sms.parts', { count: parts })}
            </p>
            <FieldError error={command.error} field="text" />
          </div>
          <FormError error={command.error} fields={['text']} />
          <div className="actions">
            <button type="button" className="secondary" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button type="submit" disabled={command.busy || !text.trim()} data-testid="contact-sms-send">
              {t('contacts.sms.send')}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
