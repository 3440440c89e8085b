import { useState, type FormEvent } from 'react';
import { useSubscriptionStore } from '../billing/subscriptionStore';
import { useTranslation } from 'react-i18next';
import type { Patient } from '../../../src-preload/contract';
import { Dialog } from '../../components/Dialog';
import { FieldError, FormActions, FormError, useCommand } from '../../components/forms';
import { PatientPicker } from '../../components/PatientPicker';
import { CostPreview } from './CostPreview';
import { useAppStore } from '../store';
import { useSyncStore } from '../sync/syncStore';
import { MessageFields } from './MessageFields';

const FIELDS = ['recipient', 'subject', 'body', 'scheduledAt', 'patientId'] as const;

/** A free-text SMS or e-mail to a patient from the records or to any valid number or address. */
export function ComposeDialog({ patient: initial = null, onClose }: { patient?: Patient | null; onClose: () => void }) {
  const { t } = useTranslation('common');
  const [channel, setChannel] = useState<'sms' | 'email'>(initial?.channel === 'email' ? 'email' : 'sms');
  const [patient, setPatient] = useState<Patient | null>(initial);
  const [toOther, setToOther] = useState(false);
  const [recipient, setRecipient] = useState('');
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [sendAt, setSendAt] = useState('');
  const [done, setDone] = useState(false);
  const tenants = useAppStore((st) => st.data?.tenants ?? []);
  const credits = useSyncStore((st) => st.credits);
  // Free text is charged to the tenant chosen here; the practice's default (the first) unless changed.
  const [tenantId, setTenantId] = useState<string>(tenants[0]?.id ?? '');
  const { error, busy, run } = useCommand();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // After the trial or subscription: the payment prompt instead (the server would hold the message).
    if (!(await useSubscriptionStore.getState().ensureUsable())) return onClose();
    const scheduledAt = sendAt ? new Date(sendAt).getTime() : null;
    const sent = await run(
      window.clinic.messages.compose({
        channel,
        patientId: toOther ? null : (patient?.id ?? null),
        recipient: toOther ? recipient : null,
        subject,
        body,
        scheduledAt,
        tenantId: tenantId || null,
      }),
    );
    if (sent) {
      setDone(true);
      // Every list showing messages (this view's, the patient's page) loads again with the new one.
      useAppStore.getState().touch();
    }
  };

  return (
    <Dialog title={t('messages.compose')} onClose={onClose} testId="compose-dialog" wide>
      {done ? (
        <>
          <p role="status" data-testid="compose-done">
            {t('messages.form.scheduled')}
          </p>
          <div className="actions">
            <button type="button" onClick={onClose}>
              {t('common.close')}
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} noValidate className="form-grid">
          <div className="row">
            <label>
              {t('messages.form.channel')}
              <select
                data-testid="compose-channel"
                value={channel}
                onChange={(e) => setChannel(e.target.value as 'sms' | 'email')}
              >
                <option value="sms">{t('patients.channels.sms')}</option>
                <option value="email">{t('patients.channels.email')}</option>
              </select>
            </label>
            <label className="check">
              <input
                type="checkbox"
                data-testid="compose-other"
                checked={toOther}
                onChange={(e) => setToOther(e.target.checked)}
              />
              {t('messages.form.toOther')}
            </label>
          </div>
          {toOther ? (
            <label>
              {t('messages.form.recipient')}
              <input data-testid="compose-recipient" value={recipient} onChange={(e) => setRecipient(e.target.value)} />
            </label>
          ) : (
            <PatientPicker
              value={patient}
              onChange={setPatient}
              label={t('messages.form.toPatient')}
              testId="compose-patient"
            />
          )}
          <FieldError error={error} field="recipient" testId="compose-recipient-error" />
          <MessageFields
            kind="free_text"
            toPatient={!toOther}
            channel={channel}
            subject={subject}
            onSubject={setSubject}
            body={body}
            onBody={setBody}
            error={error}
            testId="compose-body"
          />
          <CostPreview channel={channel} body={body} subject={subject} patientId={toOther ? null : patient?.id} />
          {channel === 'sms' && tenants.length > 0 && (
            <div className="row">
              {tenants.length > 1 && (
                <label>
                  {t('credits.tenant')}
                  <select data-testid="compose-tenant" value={tenantId} onChange={(e) => setTenantId(e.target.value)}>
                    {tenants.map((tenant) => (
                      <option key={tenant.id} value={tenant.id}>
                        {tenant.name}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              {credits && (
                <p className="hint" data-testid="compose-balance">
                  {t('credits.balanceOf', {
                    tenant: tenants.find((x) => x.id === tenantId)?.name ?? '',
                    balance: credits.tenants.find((x) => x.tenantId === tenantId)?.balance ?? 0,
                  })}
                </p>
              )}
            </div>
          )}
          <label>
            {t('messages.form.sendAt')}
            <input type="datetime-local" value={sendAt} onChange={(e) => setSendAt(e.target.value)} />
          </label>
          <FormError error={error} fields={FIELDS} />
          <FormActions
            onCancel={onClose}
            busy={busy}
            submitLabel={t('messages.form.send')}
            submitTestId="compose-send"
          />
        </form>
      )}
    </Dialog>
  );
}
