import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type Patient } from '../../../src-preload/contract';
import { Dialog } from '../../components/Dialog';
import { InlineConfirm } from '../../components/InlineConfirm';
import { FieldError, FormActions, FormError, useCommand } from '../../components/forms';
import { LANGUAGE_NAMES } from '../../i18n/i18n';

type Draft = Omit<Patient, 'id'>;

const EMPTY: Draft = {
  firstName: '',
  lastName: '',
  birthDate: null,
  mobile: null,
  email: null,
  language: 'en',
  channel: 'sms',
  optOutSms: false,
  optOutEmail: false,
  notes: '',
  salutation: 'neutral',
};
const FIELDS = [
  'salutation',
  'firstName',
  'lastName',
  'birthDate',
  'mobile',
  'email',
  'language',
  'channel',
  'notes',
] as const;

/** Create or edit a patient; the core checks everything and each field shows its own error. */
export function PatientForm({
  patient,
  onClose,
  onSaved,
}: {
  patient: Patient | null;
  onClose: () => void;
  onSaved: (p: Patient) => void;
}) {
  const { t, i18n } = useTranslation('common');
  const [initial] = useState<Draft>(() =>
    patient ? { ...patient } : { ...EMPTY, language: i18n.language as Draft['language'] },
  );
  const [draft, setDraft] = useState<Draft>(initial);
  const [confirmingDiscard, setConfirmingDiscard] = useState(false);
  // Escape or Cancel on a form with changes asks first: typing a patient in and losing it to one key is
  // what a receptionist must never have to redo.
  const dirty = (Object.keys(draft) as (keyof Draft)[]).some((key) => draft[key] !== initial[key]);
  const close = () => (dirty ? setConfirmingDiscard(true) : onClose());
  const { error, busy, run } = useCommand();
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const saved = await run(
      patient ? window.clinic.patients.update({ ...draft, id: patient.id }) : window.clinic.patients.create(draft),
    );
    if (saved) onSaved(saved);
  };

  const text = (key: 'firstName' | 'lastName' | 'mobile' | 'email', type = 'text', required = false) => (
    <label>
      {t(`patients.${key}`)}
      {required && (
        <span className="required" aria-hidden="true">
          {' '}
          *
        </span>
      )}
      <input
        type={type}
        data-testid={`patient-${key}`}
        required={required}
        aria-required={required || undefined}
        value={draft[key] ?? ''}
        aria-invalid={error?.issues?.some((i) => i.path === key) || undefined}
        onChange={(e) => set(key, e.target.value)}
      />
      <FieldError error={error} field={key} testId={`patient-${key}-error`} />
    </label>
  );

  return (
    <Dialog title={t(patient ? 'patients.edit' : 'patients.new')} onClose={close} testId="patient-form" wide>
      <form onSubmit={submit} noValidate className="form-grid two">
        <label>
          {t('patients.salutation')}
          <select
            data-testid="patient-salutation"
            value={draft.salutation}
            onChange={(e) => set('salutation', e.target.value as Draft['salutation'])}
          >
            {(['neutral', 'female', 'male'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`patients.salutations.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <p className="hint">{t('patients.requiredHint')}</p>
        {text('firstName', 'text', true)}
        {text('lastName', 'text', true)}
        <label>
          {t('patients.birthDate')}
          <input
            type="date"
            data-testid="patient-birthDate"
            value={draft.birthDate ?? ''}
            onChange={(e) => set('birthDate', e.target.value || null)}
          />
          <FieldError error={error} field="birthDate" testId="patient-birthDate-error" />
        </label>
        <label>
          {t('patients.language')}
          <select value={draft.language} onChange={(e) => set('language', e.target.value as Draft['language'])}>
            {LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {LANGUAGE_NAMES[l]}
              </option>
            ))}
          </select>
        </label>
        {text('mobile', 'tel')}
        {text('email', 'email')}
        <label>
          {t('patients.channel')}
          <select
            data-testid="patient-channel"
            value={draft.channel}
            onChange={(e) => set('channel', e.target.value as Draft['channel'])}
          >
            {(['sms', 'email', 'none'] as const).map((c) => (
              <option key={c} value={c}>
                {t(`patients.channels.${c}`)}
              </option>
            ))}
          </select>
        </label>
        <div>
          <label className="check">
            <input type="checkbox" checked={draft.optOutSms} onChange={(e) => set('optOutSms', e.target.checked)} />
            {t('patients.optOutSms')}
          </label>
          <label className="check">
            <input type="checkbox" checked={draft.optOutEmail} onChange={(e) => set('optOutEmail', e.target.checked)} />
            {t('patients.optOutEmail')}
          </label>
        </div>
        <label className="span">
          {t('patients.notes')}
          <textarea rows={3} value={draft.notes} onChange={(e) => set('notes', e.target.value)} />
          <FieldError error={error} field="notes" />
        </label>
        <div className="span">
          <FormError error={error} fields={FIELDS} />
        </div>
        <div className="span">
          {confirmingDiscard ? (
            <InlineConfirm
              question={t('patients.form.discardQuestion')}
              keepLabel={t('patients.form.keepEditing')}
              confirmLabel={t('patients.form.discard')}
              onKeep={() => setConfirmingDiscard(false)}
              onConfirm={onClose}
              testId="discard-confirm"
            />
          ) : (
            <FormActions onCancel={close} busy={busy} submitTestId="patient-save" />
          )}
        </div>
      </form>
    </Dialog>
  );
}
