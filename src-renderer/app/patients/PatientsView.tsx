import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatPhone } from '../../../protocol/phoneFormat';
import type { Patient } from '../../../src-preload/contract';
import { ComposeDialog } from '../messages/ComposeDialog';
import { useAppStore } from '../store';
import { formatBirthDate } from '../time';
import { PatientForm } from './PatientForm';
import { PatientPage } from './PatientPage';
import { RecallDialog } from './RecallDialog';

/** How many patients a search shows; the list says when there are more. */
const LIMIT = 100;

export function PatientsView() {
  const page = useAppStore((s) => s.patientPage);
  const openPatient = useAppStore((s) => s.openPatient);
  if (page) return <PatientPage key={page} id={page} onBack={() => openPatient(null)} />;
  return <PatientList />;
}

function PatientList() {
  const { t, i18n } = useTranslation('common');
  const revision = useAppStore((s) => s.revision);
  const openPatient = useAppStore((s) => s.openPatient);
  const country = useAppStore((s) => s.data?.practice.country ?? 'DE');
  const [query, setQuery] = useState('');
  const [patients, setPatients] = useState<Patient[]>([]);
  const [editing, setEditing] = useState<Patient | 'new' | null>(null);
  const [messaging, setMessaging] = useState<Patient | null>(null);
  const [recall, setRecall] = useState<Patient | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let current = true;
    void window.clinic.patients.search({ query, limit: LIMIT }).then((r) => current && r.ok && setPatients(r.value));
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
                  <button type="button" className="link" data-testid="patient-open" onClick={() => openPatient(p.id)}>
                    {p.lastName}, {p.firstName}
                  </button>
                </td>
                <td>{p.birthDate ? formatBirthDate(p.birthDate, i18n.language) : ''}</td>
                <td className="mono">{formatPhone(p.mobile, country)}</td>
                <td>{p.email}</td>
                <td>{t(`patients.channels.${p.channel}`)}</td>
                <td className="row-actions">
                  <button type="button" className="link" data-testid="patient-edit-row" onClick={() => setEditing(p)}>
                    {t('patients.editShort')}
                  </button>
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
      {patients.length >= LIMIT && (
        <p className="hint" data-testid="patient-list-cut">
          {t('patients.listCut', { count: LIMIT })}
        </p>
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
