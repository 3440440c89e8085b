/**
 * Cancelling asks first: an optional reason, and whether to tell the patient now (the text is shown and
 * can be changed before it goes). The safe answer comes first; nothing changes until "Cancel appointment".
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Appointment, CancelResult, Patient } from '../../../src-preload/contract';
import { FieldError, FormError, useCommand } from '../../components/forms';
import { defaultNotice, noticeChannel } from './cancellation';

export function CancelPanel({
  appointment,
  patient,
  zone,
  onKeep,
  onCancelled,
}: {
  appointment: Appointment;
  patient: Patient | null;
  zone: string;
  onKeep: () => void;
  onCancelled: (result: CancelResult) => void;
}) {
  const { t } = useTranslation('common');
  const reachable = patient ? noticeChannel(patient) : null;
  const texts = patient ? defaultNotice(t, appointment, patient, zone) : null;
  const [reason, setReason] = useState('');
  // Offered, not preset: a notice costs credits and is the user's choice.
  const [tell, setTell] = useState(false);
  const [channel, setChannel] = useState<'sms' | 'email'>(reachable ?? 'sms');
  const [subject, setSubject] = useState(texts?.subject ?? '');
  const [body, setBody] = useState(texts ? (channel === 'sms' ? texts.sms : texts.email) : '');
  const { error, busy, run } = useCommand();

  const confirm = async () => {
    const result = await run(
      window.clinic.agenda.cancel({
        id: appointment.id,
        reason: reason.trim(),
        ...(tell && patient ? { notice: { channel, subject, body } } : {}),
      }),
    );
    if (result) onCancelled(result);
  };

  return (
    <div className="confirm" role="alertdialog" aria-labelledby="cancel-question" data-testid="cancel-confirm">
      <p id="cancel-question">{t('agenda.details.cancelQuestion')}</p>
      <label>
        {t('agenda.cancel.reason')}
        <input
          value={reason}
          maxLength={300}
          data-testid="cancel-reason"
          placeholder={t('agenda.cancel.reasonPlaceholder')}
          onChange={(e) => setReason(e.target.value)}
        />
        <FieldError error={error} field="reason" />
      </label>
      {patient && (
        <>
          <label className="check">
            <input
              type="checkbox"
              checked={tell}
              disabled={!reachable}
              data-testid="cancel-tell"
              onChange={(e) => setTell(e.target.checked)}
            />
            {reachable ? t('agenda.cancel.tellPatient') : t('agenda.cancel.unreachable')}
          </label>
          {tell && texts && (
            <>
              <label>
                {t('agenda.cancel.channel')}
                <select
                  value={channel}
                  data-testid="cancel-channel"
                  onChange={(e) => {
                    const next = e.target.value as 'sms' | 'email';
                    setChannel(next);
                    setBody(next === 'sms' ? texts.sms : texts.email);
                  }}
                >
                  {patient.mobile && <option value="sms">{t('agenda.details.channel.sms')}</option>}
                  {patient.email && <option value="email">{t('agenda.details.channel.email')}</option>}
                </select>
              </label>
              {channel === 'email' && (
                <label>
                  {t('messages.form.subject')}
                  <input value={subject} onChange={(e) => setSubject(e.target.value)} />
                </label>
              )}
              <label>
                {t('agenda.cancel.noticeText')}
                <textarea rows={4} value={body} data-testid="cancel-notice" onChange={(e) => setBody(e.target.value)} />
                <FieldError error={error} field="body" />
              </label>
            </>
          )}
        </>
      )}
      <FormError error={error} fields={['reason', 'body']} />
      <div className="actions">
        <button type="button" className="secondary" data-testid="cancel-confirm-keep" onClick={onKeep}>
          {t('agenda.details.keepAppointment')}
        </button>
        <button type="button" className="danger" data-testid="cancel-confirm-yes" disabled={busy} onClick={confirm}>
          {t('agenda.details.cancelAppointment')}
        </button>
      </div>
    </div>
  );
}
