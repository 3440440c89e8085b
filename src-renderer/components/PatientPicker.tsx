import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Patient } from '../../src-preload/contract';
import { formatBirthDate } from '../app/time';
import { useQuery } from './useQuery';

/**
 * Search-as-you-type for a patient (name, date of birth or phone), as an ARIA combobox: ↓/↑ move through
 * the results, Enter chooses the highlighted one, Escape closes the list. Enter never submits the form
 * around it: booking without a patient is an explicit choice elsewhere, never an accident of the keyboard.
 */
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
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(true);
  const id = useId();
  const listId = useId();
  const searching = !value && query.trim().length > 0;
  const [found] = useQuery(
    () =>
      searching
        ? window.clinic.patients.search({ query, limit: 8 })
        : Promise.resolve({ ok: true as const, value: [] }),
    [query, searching],
  );
  const results = searching && open ? (found ?? []) : [];
  const choose = (patient: Patient) => {
    setActive(-1);
    onChange(patient);
  };

  if (value) {
    return (
      <div className="field">
        <span className="label">{label}</span>
        <div className="row">
          <strong data-testid={`${testId}-selected`}>
            {value.firstName} {value.lastName}
          </strong>
          {value.birthDate && <span className="hint">{formatBirthDate(value.birthDate, i18n.language)}</span>}
          <button
            type="button"
            className="link"
            onClick={() => {
              setQuery('');
              onChange(null);
            }}
          >
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
        role="combobox"
        aria-expanded={results.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={active >= 0 && results[active] ? `${listId}-${active}` : undefined}
        placeholder={t('agenda.form.searchPatient')}
        autoComplete="off"
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(-1);
          setOpen(true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            if (results.length === 0) return;
            const step = e.key === 'ArrowDown' ? 1 : -1;
            setActive((current) => (current + step + results.length) % results.length);
          } else if (e.key === 'Enter') {
            // Never submits the form: chooses the highlighted patient, or does nothing.
            e.preventDefault();
            const patient = results[active] ?? (results.length === 1 ? results[0] : undefined);
            if (patient) choose(patient);
          } else if (e.key === 'Escape' && results.length > 0) {
            // Closes the list only; the dialog stays open.
            e.preventDefault();
            e.stopPropagation();
            setOpen(false);
          }
        }}
      />
      {results.length > 0 && (
        <ul className="picker-results" role="listbox" id={listId}>
          {results.map((p, index) => (
            <li
              key={p.id}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'active' : undefined}
            >
              <button type="button" data-testid={`${testId}-option`} tabIndex={-1} onClick={() => choose(p)}>
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
