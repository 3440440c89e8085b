import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Patient } from '../../../src-preload/contract';
import { Dialog } from '../../components/Dialog';
import { FieldError, FormActions, FormError, useCommand } from '../../components/forms';
import { PatientPicker } from '../../components/PatientPicker';
import type { PracticeData } from '../store';
import { instantAt, minuteLabel } from '../time';
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
  data,
  decide,
  onClose,
  onBooked,
}: {
  slot: Slot;
  data: PracticeData;
  decide: ReturnType<typeof useDecisions>['decide'];
  onClose: () => void;
  onBooked: () => void;
}) {
  const { t } = useTranslation('common');
  const [patient, setPatient] = useState<Patient | null>(null);
  const [typeId, setTypeId] = useState(data.types[0]?.id ?? '');
  const [practitionerId, setPractitionerId] = useState(slot.practitionerId ?? data.practitioners[0]?.id ?? '');
  const [roomId, setRoomId] = useState(slot.roomId ?? '');
  const [date, setDate] = useState(slot.date);
  const [time, setTime] = useState(minuteLabel(slot.minute));
  const [notes, setNotes] = useState('');
  const [sendConfirmation, setSendConfirmation] = useState(false);
  const { error, busy, run } = useCommand();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const [hh, mm] = time.split(':').map(Number) as [number, number];
    const startAt = /^\d{4}-\d{2}-\d{2}$/.test(date)
      ? instantAt(date, hh * 60 + mm, data.practice.timeZone)
      : Number.NaN;
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
    if (result && (await run(Promise.resolve(result)))) onBooked();
  };

  return (
    <Dialog title={t('agenda.newAppointment')} onClose={onClose} testId="booking-dialog">
      <form onSubmit={submit} noValidate className="form-grid">
        <PatientPicker value={patient} onChange={setPatient} label={t('agenda.form.patient')} />
        <label>
          {t('agenda.form.type')}
          <select data-testid="booking-type" value={typeId} onChange={(e) => setTypeId(e.target.value)}>
            {data.types.map((type) => (
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
            {data.practitioners.map((p) => (
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
        <FieldError error={error} field="startAt" />
        <FieldError error={error} field="endAt" />
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
