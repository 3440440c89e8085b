import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Patient } from '../../src-preload/contract';
import { formatBirthDate } from '../app/time';
import { useQuery } from './useQuery';

/** Search-as-you-type for a patient: name, date of birth or phone. */
export function PatientPicker({
  value,
  onChange,
  label,
  testId = 'patient-picker',
}: {
  value: Patient | null;
  onChange: (patient: Patient | null) => void;
  label: string;
  testId?: string;
}) {
  const { t, i18n } = useTranslation('common');
  const [query, setQuery] = useState('');
  const id = useId();
  const searching = !value && query.trim().length > 0;
  const [found] = useQuery(
    () =>
      searching
        ? window.clinic.patients.search({ query, limit: 8 })
        : Promise.resolve({ ok: true as const, value: [] }),
    [query, searching],
  );
  const results = searching ? (found ?? []) : [];

  if (value) {
    return (
      <div className="field">
        <span className="label">{label}</span>
        <div className="row">
          <strong data-testid={`${testId}-selected`}>
            {value.firstName} {value.lastName}
          </strong>
          {value.birthDate && <span className="hint">{formatBirthDate(value.birthDate, i18n.language)}</span>}
          <button type="button" className="link" onClick={() => onChange(null)}>
            {t('common.cancel')}
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="field picker">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        data-testid={testId}
        value={query}
        placeholder={t('agenda.form.searchPatient')}
        autoComplete="off"
        onChange={(e) => setQuery(e.target.value)}
      />
      {results.length > 0 && (
        <ul className="picker-results" role="listbox">
          {results.map((p) => (
            <li key={p.id} role="option" aria-selected={false}>
              <button type="button" data-testid={`${testId}-option`} onClick={() => onChange(p)}>
                {p.lastName}, {p.firstName}
                {p.birthDate ? ` · ${formatBirthDate(p.birthDate, i18n.language)}` : ''}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
