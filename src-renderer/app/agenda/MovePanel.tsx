/**
 * Moving from the appointment's dialog: to any date, time, practitioner and room (dragging reaches only the
 * visible week). The same questions as a drag (overlap, a prepared reminder) come back through `decide`.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Appointment } from '../../../src-preload/contract';
import { FormError, useCommand } from '../../components/forms';
import type { PracticeData } from '../store';
import { instantAt, localParts, minuteLabel } from '../time';
import { RoomSelect } from './RoomSelect';
import type { useDecisions } from './useDecisions';

export function MovePanel({
  appointment,
  data,
  decide,
  onMoved,
}: {
  appointment: Appointment;
  data: PracticeData;
  decide: ReturnType<typeof useDecisions>['decide'];
  onMoved: (startAt: number) => void;
}) {
  const { t } = useTranslation('common');
  const zone = data.practice.timeZone;
  const start = localParts(appointment.startAt, zone);
  const [date, setDate] = useState(start.date);
  const [time, setTime] = useState(minuteLabel(start.minute));
  const [practitionerId, setPractitionerId] = useState(appointment.practitionerId);
  const [roomId, setRoomId] = useState(appointment.roomId ?? '');
  const { error, busy, run } = useCommand();

  const move = async () => {
    const [hh, mm] = time.split(':').map(Number) as [number, number];
    const startAt =
      /^\d{4}-\d{2}-\d{2}$/.test(date) && Number.isInteger(hh) && Number.isInteger(mm)
        ? instantAt(date, hh * 60 + mm, zone)
        : Number.NaN;
    const result = await decide((answers) =>
      window.clinic.agenda.move({
        id: appointment.id,
        startAt,
        practitionerId,
        roomId: roomId || null,
        allowOverlap: answers.allowOverlap ?? false,
        ...(answers.reminder ? { reminder: answers.reminder } : {}),
      }),
    );
    if (result && (await run(Promise.resolve(result)))) onMoved(startAt);
  };

  return (
    <fieldset className="field move-panel" data-testid="move-panel">
      <legend className="label">{t('agenda.details.moveTo')}</legend>
      <div className="row">
        <label>
          {t('agenda.form.date')}
          <input type="date" value={date} data-testid="move-date" onChange={(e) => setDate(e.target.value)} />
        </label>
        <label>
          {t('agenda.form.time')}
          <input
            type="time"
            step={300}
            value={time}
            data-testid="move-time"
            onChange={(e) => setTime(e.target.value)}
          />
        </label>
        <label>
          {t('agenda.form.practitioner')}
          <select
            value={practitionerId}
            data-testid="move-practitioner"
            onChange={(e) => setPractitionerId(e.target.value)}
          >
            {data.practitioners
              .filter((p) => p.active || p.id === appointment.practitionerId)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
          </select>
        </label>
        <RoomSelect rooms={data.rooms} value={roomId} onChange={setRoomId} />
      </div>
      <FormError error={error} fields={[]} />
      <div className="actions">
        <button type="button" className="secondary" disabled={busy} data-testid="move-submit" onClick={move}>
          {t('agenda.details.move')}
        </button>
      </div>
    </fieldset>
  );
}
