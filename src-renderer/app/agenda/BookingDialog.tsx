import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { FreeSlot, Patient } from '../../../src-preload/contract';
import { Dialog } from '../../components/Dialog';
import { FieldError, FormActions, FormError, useCommand } from '../../components/forms';
import { PatientPicker } from '../../components/PatientPicker';
import { useNow } from '../../components/useNow';
import type { PracticeData } from '../store';
import { formatDay, formatTime, instantAt, localParts, minuteLabel } from '../time';
import { reminderTooLate } from './agendaLayout';
import { RoomSelect } from './RoomSelect';
import type { useDecisions } from './useDecisions';

export interface Slot {
  date: string;
  minute: number;
  practitionerId?: string;
  roomId?: string | null;
}

const FIELDS = ['patientId', 'practitionerId', 'roomId', 'typeId', 'startAt', 'endAt', 'notes'] as const;

export function BookingDialog({
  slot,
  patient: initialPatient = null,
  data,
  decide,
  onClose,
  onBooked,
}: {
  slot: Slot;
  /** Booking from a patient's page: the patient is chosen already. */
  patient?: Patient | null;
  data: PracticeData;
  decide: ReturnType<typeof useDecisions>['decide'];
  onClose: () => void;
  onBooked: (startAt: number) => void;
}) {
  const { t, i18n } = useTranslation('common');
  const zone = data.practice.timeZone;
  const now = useNow();
  const [free, setFree] = useState<FreeSlot[] | null>(null);
  const [patient, setPatient] = useState<Patient | null>(initialPatient);
  const [typeId, setTypeId] = useState(data.types.find((x) => x.active)?.id ?? '');
  const [practitionerId, setPractitionerId] = useState(
    slot.practitionerId ?? data.practitioners.find((p) => p.active)?.id ?? '',
  );
  const [roomId, setRoomId] = useState(slot.roomId ?? '');
  const [date, setDate] = useState(slot.date);
  const [time, setTime] = useState(minuteLabel(slot.minute));
  const [notes, setNotes] = useState('');
  const [sendConfirmation, setSendConfirmation] = useState(false);
  const { error, busy, run } = useCommand();
  const search = useCommand();
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const validDate = /^\d{4}-\d{2}-\d{2}$/.test(date);
  const startAt =
    validDate && Number.isInteger(hh) && Number.isInteger(mm) ? instantAt(date, hh * 60 + mm, zone) : Number.NaN;
  const type = data.types.find((x) => x.id === typeId);
  const tooLate =
    patient && type && Number.isFinite(startAt)
      ? reminderTooLate(
          startAt,
          now,
          type.reminderRules.map((r) => r.offsetMinutes),
        )
      : null;

  const findFree = async () => {
    const after = validDate ? Math.max(instantAt(date, 0, zone), Date.now()) : Date.now();
    const found = await search.run(window.clinic.agenda.nextFree({ practitionerId, typeId, after, count: 6 }));
    setFree(found);
  };

  const take = (slot: FreeSlot) => {
    const local = localParts(slot.startAt, zone);
    setDate(local.date);
    setTime(minuteLabel(local.minute));
    setFree(null);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await decide((answers) =>
      window.clinic.agenda.book({
        patientId: patient?.id ?? null,
        practitionerId,
        roomId: roomId || null,
        typeId,
        startAt,
        notes,
        sendConfirmation,
        allowOverlap: answers.allowOverlap ?? false,
      }),
    );
    if (result && (await run(Promise.resolve(result)))) onBooked(startAt);
  };

  return (
    <Dialog title={t('agenda.newAppointment')} onClose={onClose} testId="booking-dialog">
      <form onSubmit={submit} noValidate className="form-grid">
        <PatientPicker value={patient} onChange={setPatient} label={t('agenda.form.patient')} />
        <label>
          {t('agenda.form.type')}
          <select data-testid="booking-type" value={typeId} onChange={(e) => setTypeId(e.target.value)}>
            {data.types
              .filter((type) => type.active)
              .map((type) => (
                <option key={type.id} value={type.id}>
                  {type.name} ({type.durationMin}′)
                </option>
              ))}
          </select>
          <FieldError error={error} field="typeId" />
        </label>
        <label>
          {t('agenda.form.practitioner')}
          <select
            data-testid="booking-practitioner"
            value={practitionerId}
            onChange={(e) => setPractitionerId(e.target.value)}
          >
            {data.practitioners
              .filter((p) => p.active)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
          </select>
          <FieldError error={error} field="practitionerId" />
        </label>
        <RoomSelect rooms={data.rooms} value={roomId ?? ''} onChange={setRoomId} />
        <div className="row">
          <label>
            {t('agenda.form.date')}
            <input type="date" data-testid="booking-date" value={date} onChange={(e) => setDate(e.target.value)} />
          </label>
          <label>
            {t('agenda.form.time')}
            <input
              type="time"
              step={300}
              data-testid="booking-time"
              value={time}
              onChange={(e) => setTime(e.target.value)}
            />
          </label>
        </div>
        <div className="free-slots">
          <button type="button" className="secondary" data-testid="booking-next-free" onClick={findFree}>
            {t('agenda.free.find')}
          </button>
          <FieldError error={search.error} />
          {free && free.length === 0 && <p data-testid="booking-no-free">{t('agenda.free.none')}</p>}
          {free && free.length > 0 && (
            <ul className="chips" aria-label={t('agenda.free.list')} data-testid="booking-free-list">
              {free.map((slot) => (
                <li key={slot.startAt}>
                  <button type="button" className="chip" data-testid="booking-free-slot" onClick={() => take(slot)}>
                    {formatDay(localParts(slot.startAt, zone).date, i18n.language, 'short')}{' '}
                    {formatTime(slot.startAt, i18n.language, zone)}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <FieldError error={error} field="startAt" />
        <FieldError error={error} field="endAt" />
        {tooLate !== null && (
          <p className="hint warning" role="note" data-testid="booking-no-reminder">
            {tooLate >= 1440 && tooLate % 1440 === 0
              ? t('agenda.free.noReminderDays', { count: tooLate / 1440 })
              : t('agenda.free.noReminderHours', { count: Math.round(tooLate / 60) })}
          </p>
        )}
        <label>
          {t('agenda.form.notes')}
          <textarea value={notes} rows={2} onChange={(e) => setNotes(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={sendConfirmation} onChange={(e) => setSendConfirmation(e.target.checked)} />
          {t('agenda.form.sendConfirmation')}
        </label>
        <FormError error={error} fields={FIELDS} />
        <FormActions onCancel={onClose} busy={busy} submitLabel={t('agenda.form.book')} submitTestId="booking-submit" />
      </form>
    </Dialog>
  );
}
