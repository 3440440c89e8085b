/** ‹ Today › for views that show a day or a week (the agenda, the day list): steps by `step` days. */
import { useTranslation } from 'react-i18next';
import { localParts, shiftDate } from '../app/time';

export function DayStepper({
  date,
  zone,
  step,
  onDate,
  testPrefix,
}: {
  date: string;
  zone: string;
  step: number;
  onDate: (date: string) => void;
  /** `<prefix>-next` on the forward button, for the tests. */
  testPrefix: string;
}) {
  const { t } = useTranslation('common');
  return (
    <>
      <button
        type="button"
        className="secondary"
        aria-label={t('agenda.previous')}
        onClick={() => onDate(shiftDate(date, -step))}
      >
        ‹
      </button>
      <button type="button" className="secondary" onClick={() => onDate(localParts(Date.now(), zone).date)}>
        {t('agenda.today')}
      </button>
      <button
        type="button"
        className="secondary"
        aria-label={t('agenda.next')}
        data-testid={`${testPrefix}-next`}
        onClick={() => onDate(shiftDate(date, step))}
      >
        ›
      </button>
    </>
  );
}
