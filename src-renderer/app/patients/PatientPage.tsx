/**
 * One patient: master data, upcoming and past appointments, the messages sent with their status, recalls
 * and notes; book, send a message, add a recall or invite to a video consultation from here.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatPhone } from '../../../protocol/phoneFormat';
import type { Appointment, Message, Patient, Recall } from '../../../src-preload/contract';
import { useNow } from '../../components/useNow';
import { useQuery } from '../../components/useQuery';
import { BookingDialog } from '../agenda/BookingDialog';
import { STATUS_ICON } from '../agenda/agendaLayout';
import { useDecisions } from '../agenda/useDecisions';
import { ComposeDialog } from '../messages/ComposeDialog';
import { useAppStore } from '../store';
import { formatBirthDate, formatDateTime, formatDay, formatTime, localParts } from '../time';
import { PatientForm } from './PatientForm';
import { RecallDialog } from './RecallDialog';

interface PatientRecords {
  patient: Patient;
  appointments: Appointment[];
  messages: Message[];
  recalls: Recall[];
}

async function loadRecords(id: string) {
  const [patient, appointments, messages, recalls] = await Promise.all([
    window.clinic.patients.get({ id }),
    window.clinic.agenda.forPatient({ id }),
    window.clinic.messages.list({ patientId: id, limit: 100 }),
    window.clinic.recalls.list(),
  ]);
  if (!patient.ok) return patient;
  if (!appointments.ok) return appointments;
  if (!messages.ok) return messages;
  if (!recalls.ok) return recalls;
  return {
    ok: true as const,
    value: {
      patient: patient.value,
      appointments: appointments.value,
      messages: messages.value,
      recalls: recalls.value.filter((r) => r.patientId === id),
    },
  };
}

export function PatientPage({ id, onBack }: { id: string; onBack: () => void }) {
  const { t, i18n } = useTranslation('common');
  const data = useAppStore((s) => s.data);
  const revision = useAppStore((s) => s.revision);
  const toast = useAppStore((s) => s.toast);
  const now = useNow();
  const [records, reload] = useQuery<PatientRecords>(() => loadRecords(id), [id, revision]);
  const [editing, setEditing] = useState(false);
  const [messaging, setMessaging] = useState(false);
  const [recall, setRecall] = useState(false);
  const [booking, setBooking] = useState(false);
  const { decide, dialog } = useDecisions();
  if (!data || !records) return null;
  const { patient } = records;
  const zone = data.practice.timeZone;
  const name = `${patient.firstName} ${patient.lastName}`;
  const upcoming = records.appointments.filter((a) => a.endAt > now).reverse();
  const past = records.appointments.filter((a) => a.endAt <= now);
  const practitioner = (a: Appointment) => data.practitioners.find((p) => p.id === a.practitionerId)?.name ?? '';

  const appointmentRow = (a: Appointment) => (
    <li key={a.id} data-testid="patient-appointment" data-status={a.status} className={`status-${a.status}`}>
      <span className={`status-icon status-${a.status}`} aria-hidden="true">
        {STATUS_ICON[a.status]}
      </span>{' '}
      {formatDay(localParts(a.startAt, zone).date, i18n.language, 'short')} {formatTime(a.startAt, i18n.language, zone)}{' '}
      · {a.typeName} · {practitioner(a)} · {t(`agenda.status.${a.status}`)}
      {a.status === 'cancelled' && a.cancelReason && <> ({a.cancelReason})</>}
    </li>
  );

  return (
    <section data-testid="patient-page" className="patient-page">
      <div className="toolbar">
        <button type="button" className="secondary" data-testid="patient-back" onClick={onBack}>
          ‹ {t('patients.page.back')}
        </button>
        <h2 className="grow" data-testid="patient-page-name">
          {name}
        </h2>
        <button type="button" data-testid="patient-book" onClick={() => setBooking(true)}>
          {t('patients.page.book')}
        </button>
        <button type="button" className="secondary" data-testid="patient-message" onClick={() => setMessaging(true)}>
          {t('patients.sendMessage')}
        </button>
        <button
          type="button"
          className="secondary"
          data-testid="patient-invite"
          onClick={() =>
            useAppStore
              .getState()
              .inviteToVideo({ label: name, email: patient.email ?? '', phone: patient.mobile ?? '' })
          }
        >
          {t('patients.page.invite')}
        </button>
        <button type="button" className="secondary" data-testid="patient-add-recall" onClick={() => setRecall(true)}>
          {t('patients.addRecall')}
        </button>
        <button type="button" className="secondary" data-testid="patient-edit" onClick={() => setEditing(true)}>
          {t('patients.edit')}
        </button>
      </div>
      <div className="patient-grid">
        <section className="card" aria-labelledby="patient-data">
          <h3 id="patient-data">{t('patients.page.data')}</h3>
          <dl className="facts">
            <dt>{t('patients.birthDate')}</dt>
            <dd>{patient.birthDate ? formatBirthDate(patient.birthDate, i18n.language) : '–'}</dd>
            <dt>{t('patients.mobile')}</dt>
            <dd data-testid="patient-page-mobile">
              {patient.mobile ? (
                <a href={`tel:${patient.mobile}`}>{formatPhone(patient.mobile, data.practice.country)}</a>
              ) : (
                '–'
              )}
            </dd>
            <dt>{t('patients.email')}</dt>
            <dd>{patient.email ?? '–'}</dd>
            <dt>{t('patients.channel')}</dt>
            <dd>
              {t(`patients.channels.${patient.channel}`)}
              {patient.optOutSms && <> · {t('patients.optOutSms')}</>}
              {patient.optOutEmail && <> · {t('patients.optOutEmail')}</>}
            </dd>
            <dt>{t('patients.notes')}</dt>
            <dd className="notes">{patient.notes || '–'}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="patient-upcoming">
          <h3 id="patient-upcoming">{t('patients.page.upcoming', { n: upcoming.length })}</h3>
          {upcoming.length === 0 ? (
            <p className="hint">{t('patients.page.none')}</p>
          ) : (
            <ul className="plain">{upcoming.map(appointmentRow)}</ul>
          )}
          <h3>{t('patients.page.past', { n: past.length })}</h3>
          {past.length === 0 ? (
            <p className="hint">{t('patients.page.none')}</p>
          ) : (
            <ul className="plain">{past.slice(0, 50).map(appointmentRow)}</ul>
          )}
        </section>
        <section className="card" aria-labelledby="patient-messages">
          <h3 id="patient-messages">{t('patients.page.messages', { n: records.messages.length })}</h3>
          {records.messages.length === 0 ? (
            <p className="hint">{t('patients.page.none')}</p>
          ) : (
            <ul className="plain">
              {records.messages.map((m) => (
                <li key={m.id} data-testid="patient-message-row" data-status={m.status}>
                  {formatDateTime(m.scheduledAt, i18n.language, zone)} · {t(`messages.kinds.${m.kind}`)} ·{' '}
                  {t(`messages.statuses.${m.status}`)}
                  <div className="hint">{m.body}</div>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="patient-recalls">
          <h3 id="patient-recalls">{t('patients.page.recalls', { n: records.recalls.length })}</h3>
          {records.recalls.length === 0 ? (
            <p className="hint">{t('patients.page.none')}</p>
          ) : (
            <ul className="plain">
              {records.recalls.map((r) => (
                <li key={r.id} data-testid="patient-recall">
                  {formatBirthDate(r.dueDate, i18n.language)} · {r.reason} · {t(`messages.recalls.status.${r.status}`)}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {editing && (
        <PatientForm
          patient={patient}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            toast({ text: t('patients.page.saved') });
            reload();
          }}
        />
      )}
      {messaging && (
        <ComposeDialog
          patient={patient}
          onClose={() => {
            setMessaging(false);
            reload();
          }}
        />
      )}
      {recall && (
        <RecallDialog
          patient={patient}
          onClose={() => {
            setRecall(false);
            reload();
          }}
        />
      )}
      {booking && (
        <BookingDialog
          slot={{ date: localParts(now, zone).date, minute: 9 * 60 }}
          patient={patient}
          data={data}
          decide={decide}
          onClose={() => setBooking(false)}
          onBooked={(startAt) => {
            setBooking(false);
            toast({ text: t('agenda.toast.booked', { time: formatDateTime(startAt, i18n.language, zone) }) });
            reload();
          }}
        />
      )}
      {dialog}
    </section>
  );
}
