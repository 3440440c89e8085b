import { useTranslation } from 'react-i18next';
import type { Room } from '../../../src-preload/contract';

/** Room of an appointment, or none ('' stands for none). */
export function RoomSelect({
  rooms,
  value,
  onChange,
}: {
  rooms: Room[];
  value: string;
  onChange: (roomId: string) => void;
}) {
  const { t } = useTranslation('common');
  return (
    <label>
      {t('agenda.form.room')}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('agenda.form.noRoom')}</option>
        {/* Rooms still offered, and the one already chosen even if it was deactivated since. */}
        {rooms
          .filter((r) => r.active || r.id === value)
          .map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
      </select>
    </label>
  );
}
