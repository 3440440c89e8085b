import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Patient } from '../../../src-preload/contract';
import { Dialog } from '../../components/Dialog';
import { FieldError, FormActions, FormError, useCommand } from '../../components/forms';
import { ComposeDialog } from '../messages/ComposeDialog';
import { useAppStore } from '../store';
import { formatBirthDate } from '../time';
import { PatientForm } from './PatientForm';

function RecallDialog({ patient, onClose }: { patient: Patient; onClose: () => void }) {
  const { t } = useTranslation('common');
  const [dueDate, setDueDate] = useState('');
  const [reason, setReason] = useState('');
  const { error, busy, run } = useCommand();
  return (
    <Dialog
      title={`${t('patients.addRecall')}: ${patient.firstName} ${patient.lastName}`}
      onClose={onClose}
      testId="recall-dialog"
    >
      <form
        className="form-grid"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          if (await run(window.clinic.recalls.create({ patientId: patient.id, dueDate, reason }))) onClose();
        }}
      >
        <label>
          {t('messages.recalls.dueDate')}
          <input type="date" value={dueDate} data-testid="recall-due" onChange={(e) => setDueDate(e.target.value)} />
          <FieldError error={error} field="dueDate" />
        </label>
        <label>
          {t('messages.recalls.reason')}
          <input value={reason} data-testid="recall-reason" onChange={(e) => setReason(e.target.value)} />
          <FieldError error={error} field="reason" />
        </label>
        <FormError error={error} fields={['dueDate', 'reason']} />
        <FormActions onCancel={onClose} busy={busy} submitTestId="recall-save" />
      </form>
    </Dialog>
  );
}

export function PatientsView() {
  const { t, i18n } = useTranslation('common');
  const revision = useAppStore((s) => s.revision);
  const [query, setQuery] = useState('');
  const [patients, setPatients] = useState<Patient[]>([]);
  const [editing, setEditing] = useState<Patient | 'new' | null>(null);
  const [messaging, setMessaging] = useState<Patient | null>(null);
  const [recall, setRecall] = useState<Patient | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let current = true;
    void window.clinic.patients.search({ query, limit: 100 }).then((r) => current && r.ok && setPatients(r.value));
    return () => {
      current = false;
    };
  }, [query, revision, reload]);

  return (
    <section data-testid="view-patients">
      <div className="toolbar">
        <input
          type="search"
          className="grow"
          data-testid="patient-search"
          placeholder={t('patients.search')}
          aria-label={t('patients.search')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <button type="button" data-testid="patient-new" onClick={() => setEditing('new')}>
          {t('patients.new')}
        </button>
      </div>
      {patients.length === 0 ? (
        <div className="empty">
          <h2>{query ? t('patients.noResults') : t('empty.patients.title')}</h2>
          {!query && <p>{t('empty.patients.body')}</p>}
        </div>
      ) : (
        <table className="table" data-testid="patient-table">
          <thead>
            <tr>
              <th>{t('patients.name')}</th>
              <th>{t('patients.birthDate')}</th>
              <th>{t('patients.mobile')}</th>
              <th>{t('patients.email')}</th>
              <th>{t('patients.channel')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {patients.map((p) => (
              <tr key={p.id} data-testid="patient-row">
                <td>
                  <button type="button" className="link" onClick={() => setEditing(p)}>
                    {p.lastName}, {p.firstName}
                  </button>
                </td>
                <td>{p.birthDate ? formatBirthDate(p.birthDate, i18n.language) : ''}</td>
                <td className="mono">{p.mobile}</td>
                <td>{p.email}</td>
                <td>{t(`patients.channels.${p.channel}`)}</td>
                <td className="row-actions">
                  <button type="button" className="link" onClick={() => setMessaging(p)}>
                    {t('patients.sendMessage')}
                  </button>
                  <button type="button" className="link" onClick={() => setRecall(p)}>
                    {t('patients.addRecall')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <PatientForm
          patient={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setReload((n) => n + 1);
          }}
        />
      )}
      {messaging && <ComposeDialog patient={messaging} onClose={() => setMessaging(null)} />}
      {recall && <RecallDialog patient={recall} onClose={() => setRecall(null)} />}
    </section>
  );
}
