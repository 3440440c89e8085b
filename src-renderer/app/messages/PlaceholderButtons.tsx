import { useTranslation } from 'react-i18next';

const NAMES = [
  'patient.firstName',
  'patient.lastName',
  'appointment.date',
  'appointment.time',
  'appointment.weekday',
  'practitioner.name',
  'practice.name',
  'practice.phone',
  'recall.reason',
] as const;

/** Inserts {placeholder} at the cursor of the text area. */
export function PlaceholderButtons({
  target,
  onInsert,
}: {
  target: () => HTMLTextAreaElement | null;
  onInsert: (text: string) => void;
}) {
  const { t } = useTranslation('common');
  return (
    <div className="chips" aria-label={t('messages.form.insert')}>
      {NAMES.map((name) => (
        <button
          key={name}
          type="button"
          className="chip"
          onClick={() => {
            const area = target();
            const token = `{${name}}`;
            if (!area) return onInsert(token);
            const { selectionStart: start, selectionEnd: end, value } = area;
            onInsert(value.slice(0, start) + token + value.slice(end));
            requestAnimationFrame(() => area.setSelectionRange(start + token.length, start + token.length));
          }}
        >
          {t(`messages.placeholders.${name}`)}
        </button>
      ))}
    </div>
  );
}
