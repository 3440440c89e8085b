import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  APPOINTMENT_STATUSES,
  type Appointment,
  type CancelResult,
  type Message,
  type Patient,
} from '../../../src-preload/contract';
import { Dialog } from '../../components/Dialog';
import { FieldError, FormError, useCommand } from '../../components/forms';
import { PatientPicker } from '../../components/PatientPicker';
import { useQuery } from '../../components/useQuery';
import { useAppStore, type PracticeData } from '../store';
import { formatDateTime, formatTime, instantAt, localParts, minuteLabel } from '../time';
import { CancelPanel } from './CancelPanel';
import { undoCancellation } from './cancellation';
import { MovePanel } from './MovePanel';
import { RoomSelect } from './RoomSelect';
import type { useDecisions } from './useDecisions';

/** How long before the appointment a reminder added by hand goes out, in minutes. */
const REMINDER_LEADS = [60, 120, 1440, 2880, 10080];

/** One appointment: its messages, status, move, copy to another time, and cancel (with undo). */
export function AppointmentDialog({
  appointment,
  data,
  decide,
  onClose,
  onChanged,
}: {
  appointment: Appointment;
  data: PracticeData;
  decide: ReturnType<typeof useDecisions>['decide'];
  onClose: () => void;
  onChanged: () => void;
}) {
  const { t, i18n } = useTranslation('common');
  const zone = data.practice.timeZone;
  const start = localParts(appointment.startAt, zone);
  const [copyDate, setCopyDate] = useState(start.date);
  const [copyTime, setCopyTime] = useState(minuteLabel(start.minute));
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const [reminderChannel, setReminderChannel] = useState<'sms' | 'email' | 'preferred'>('preferred');
  const [reminderLead, setReminderLead] = useState(1440);
  const { error, busy, run } = useCommand();
  const toast = useAppStore((s) => s.toast);
  const when = (at: number) => formatDateTime(at, i18n.language, zone);
  const active = appointment.status !== 'cancelled' && appointment.status !== 'no_show';
  const practitioner = data.practitioners.find((p) => p.id === appointment.practitionerId);
  const [listed] = useQuery(() => window.clinic.messages.list({ statuses: [], kinds: [] }), [appointment.id]);
  const messages: Message[] = (listed ?? []).filter((m) => m.appointmentId === appointment.id);
  const [current] = useQuery(
    () =>
      appointment.patientId
        ? window.clinic.patients.get({ id: appointment.patientId })
        : Promise.resolve({ ok: true as const, value: null }),
    [appointment.patientId],
  );
  const [patient, setPatient] = useState<Patient | null | undefined>(undefined);
  const [typeId, setTypeId] = useState(appointment.typeId);
  const [roomId, setRoomId] = useState(appointment.roomId ?? '');
  const [notes, setNotes] = useState(appointment.notes);
  const chosen = patient === undefined ? current : patient;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const saved = await run(
      window.clinic.agenda.update({
        id: appointment.id,
        patientId: chosen?.id ?? null,
        typeId,
        roomId: roomId || null,
        notes,
      }),
    );
    if (saved) {
      toast({ text: t('agenda.toast.saved') });
      onChanged();
    }
  };

  const addReminder = async () => {
    const added = await run(
      window.clinic.agenda.addReminder({ id: appointment.id, channel: reminderChannel, offsetMinutes: reminderLead }),
    );
    if (added) onChanged();
  };

  const copy = async () => {
    const [hh, mm] = copyTime.split(':').map(Number) as [number, number];
    const result = await decide((answers) =>
      window.clinic.agenda.copy({
        id: appointment.id,
        startAt: instantAt(copyDate, hh * 60 + mm, zone),
        allowOverlap: answers.allowOverlap ?? false,
      }),
    );
    if (result && (await run(Promise.resolve(result)))) {
      toast({ text: t('agenda.toast.copied', { time: when(instantAt(copyDate, hh * 60 + mm, zone)) }) });
      onChanged();
    }
  };

  const cancelled = (result: CancelResult) => {
    toast({
      text: t(result.undo.noticeId ? 'agenda.toast.cancelledTold' : 'agenda.toast.cancelled'),
      action: {
        label: t('agenda.toast.undo'),
        run: async () => {
          const outcome = await undoCancellation(result.undo);
          toast({ text: t(`agenda.toast.undo_${outcome}`) });
          useAppStore.getState().touch();
        },
      },
    });
    onChanged();
  };

  return (
    <Dialog title={appointment.patientName ?? t('agenda.blocked')} onClose={onClose} testId="appointment-dialog">
      <p>
        {formatDateTime(appointment.startAt, i18n.language, zone)}–{formatTime(appointment.endAt, i18n.language, zone)}{' '}
        · {appointment.typeName} · {practitioner?.name} · {t(`agenda.status.${appointment.status}`)}
      </p>
      {appointment.status === 'cancelled' && appointment.cancelReason && (
        <p data-testid="cancel-reason-shown">{t('agenda.cancel.reasonShown', { reason: appointment.cancelReason })}</p>
      )}
      <form className="form-grid" onSubmit={save} noValidate data-testid="appointment-edit">
        <PatientPicker
          value={chosen ?? null}
          onChange={setPatient}
          label={t('agenda.form.patient')}
          testId="edit-patient"
        />
        <div className="row">
          <label>
            {t('agenda.form.type')}
            <select value={typeId} onChange={(e) => setTypeId(e.target.value)}>
              {data.types
                .filter((type) => type.active || type.id === appointment.typeId)
                .map((type) => (
                  <option key={type.id} value={type.id}>
                    {type.name}
                  </option>
                ))}
            </select>
          </label>
          <RoomSelect rooms={data.rooms} value={roomId} onChange={setRoomId} />
        </div>
        <label>
          {t('agenda.form.notes')}
          <textarea rows={2} value={notes} data-testid="edit-notes" onChange={(e) => setNotes(e.target.value)} />
          <FieldError error={error} field="notes" />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy || !active} data-testid="edit-save">
            {t('common.save')}
          </button>
        </div>
      </form>
      <ul className="plain" data-testid="appointment-messages">
        {messages.map((m) => (
          <li key={m.id} data-status={m.status}>
            {t(`messages.kinds.${m.kind}`)} · {t(`messages.statuses.${m.status}`)} ·{' '}
            {formatDateTime(m.scheduledAt, i18n.language, zone)}
            {m.channel === 'sms' && m.credits > 0 && <> · {t('messages.credits', { count: m.credits })}</>}
          </li>
        ))}
      </ul>
      {appointment.patientId && appointment.status !== 'cancelled' && (
        <div className="field">
          <span className="label">{t('agenda.details.addReminder')}</span>
          <div className="row">
            <select
              value={reminderChannel}
              aria-label={t('agenda.details.reminderChannel')}
              data-testid="reminder-channel"
              onChange={(e) => setReminderChannel(e.target.value as 'sms' | 'email' | 'preferred')}
            >
              {(['preferred', 'sms', 'email'] as const).map((channel) => (
                <option key={channel} value={channel}>
                  {t(`agenda.details.channel.${channel}`)}
                </option>
              ))}
            </select>
            <select
              value={reminderLead}
              aria-label={t('agenda.details.reminderLead')}
              data-testid="reminder-lead"
              onChange={(e) => setReminderLead(Number(e.target.value))}
            >
              {REMINDER_LEADS.map((minutes) => (
                <option key={minutes} value={minutes}>
                  {minutes < 1440
                    ? t('agenda.details.hoursBefore', { count: minutes / 60 })
                    : t('agenda.details.daysBefore', { count: minutes / 1440 })}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="secondary"
              disabled={busy}
              data-testid="reminder-add"
              onClick={addReminder}
            >
              {t('agenda.details.addReminderButton')}
            </button>
          </div>
        </div>
      )}
      <div className="field">
        <span className="label">{t('agenda.details.setStatus')}</span>
        <div className="segmented" role="group">
          {APPOINTMENT_STATUSES.filter((s) => s !== 'cancelled').map((status) => (
            <button
              key={status}
              type="button"
              aria-pressed={appointment.status === status}
              data-testid={`status-${status}`}
              onClick={async () => {
                if (!(await run(window.clinic.agenda.setStatus({ id: appointment.id, status })))) return;
                toast({ text: t('agenda.toast.status', { status: t(`agenda.status.${status}`) }) });
                onChanged();
              }}
            >
              {t(`agenda.status.${status}`)}
            </button>
          ))}
        </div>
      </div>
      {active && (
        <MovePanel
          appointment={appointment}
          data={data}
          decide={decide}
          onMoved={(at) => {
            toast({ text: t('agenda.toast.moved', { time: when(at) }) });
            onChanged();
          }}
        />
      )}
      <div className="field">
        <span className="label">{t('agenda.details.copyTo')}</span>
        <div className="row">
          <input
            type="date"
            value={copyDate}
            aria-label={`${t('agenda.details.copyTo')}: ${t('agenda.form.date')}`}
            data-testid="copy-date"
            onChange={(e) => setCopyDate(e.target.value)}
          />
          <input
            type="time"
            step={300}
            value={copyTime}
            aria-label={`${t('agenda.details.copyTo')}: ${t('agenda.form.time')}`}
            data-testid="copy-time"
            onChange={(e) => setCopyTime(e.target.value)}
          />
          <button type="button" className="secondary" disabled={busy} data-testid="copy-submit" onClick={copy}>
            {t('agenda.details.copy')}
          </button>
        </div>
      </div>
      <FormError error={error} fields={[]} />
      {confirmingCancel ? (
        // Cancelling withdraws the prepared reminders: asked (with a reason, and whether to tell the patient),
        // never done at once; the toast that follows offers undo.
        <CancelPanel
          appointment={appointment}
          patient={current ?? null}
          zone={zone}
          onKeep={() => setConfirmingCancel(false)}
          onCancelled={cancelled}
        />
      ) : (
        <div className="actions">
          <button
            type="button"
            className="danger"
            data-testid="appointment-cancel"
            disabled={appointment.status === 'cancelled'}
            onClick={() => setConfirmingCancel(true)}
          >
            {t('agenda.details.cancelAppointment')}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            {t('common.close')}
          </button>
        </div>
      )}
    </Dialog>
  );
}
