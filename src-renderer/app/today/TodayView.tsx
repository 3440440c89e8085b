/**
 * "Today" for the front desk: the day's appointments in time order with the patient's mobile number, where
 * each patient is (expected, arrived, in treatment, done, no-show), one-click steps, and the list printed or
 * saved as PDF per practitioner.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatPhone } from '../../../protocol/phoneFormat';
import type { AgendaDay, AppointmentStatus } from '../../../src-preload/contract';
import { useQuery } from '../../components/useQuery';
import { STATUS_ICON } from '../agenda/agendaLayout';
import { useAppStore } from '../store';
import { formatDay, formatTime, localParts } from '../time';
import { dayList, nextSteps, STAGES, type Stage } from './todayList';
import { DayStepper } from '../../components/DayStepper';

export function TodayView() {
  const { t, i18n } = useTranslation('common');
  const data = useAppStore((s) => s.data);
  const revision = useAppStore((s) => s.revision);
  const toast = useAppStore((s) => s.toast);
  const openPatient = useAppStore((s) => s.openPatient);
  const zone = data?.practice.timeZone ?? 'UTC';
  const [date, setDate] = useState(() => localParts(Date.now(), zone).date);
  const [practitionerId, setPractitionerId] = useState('');
  const [stage, setStage] = useState<Stage | ''>('');
  const [busy, setBusy] = useState<string | null>(null);
  const [day, load] = useQuery<AgendaDay>(
    () => window.clinic.agenda.day({ date, by: 'practitioner' }),
    [date, revision],
  );

  if (!data) return null;
  const list = dayList(day?.appointments ?? [], practitionerId, stage);
  const practitioners = new Map(data.practitioners.map((p) => [p.id, p]));
  const rooms = new Map(data.rooms.map((r) => [r.id, r.name]));

  const step = async (id: string, status: AppointmentStatus) => {
    setBusy(id);
    const result = await window.clinic.agenda.setStatus({ id, status });
    setBusy(null);
    if (!result.ok) useAppStore.getState().showNotice(result.error);
    else toast({ text: t('agenda.toast.status', { status: t(`agenda.status.${status}`) }) });
    load();
  };

  const savePdf = async () => {
    const result = await window.clinic.files.saveDayList({ date, practitionerId: practitionerId || null });
    if (!result.ok) useAppStore.getState().showNotice(result.error);
    else if (result.value.saved) toast({ text: t('today.pdfSaved') });
  };

  return (
    <section data-testid="view-today">
      <div className="toolbar no-print">
        <DayStepper date={date} zone={zone} step={1} onDate={setDate} testPrefix="today" />
        <select
          value={practitionerId}
          aria-label={t('agenda.form.practitioner')}
          data-testid="today-practitioner"
          onChange={(e) => setPractitionerId(e.target.value)}
        >
          <option value="">{t('agenda.allPractitioners')}</option>
          {data.practitioners.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <span className="grow" />
        <button type="button" className="secondary" data-testid="today-print" onClick={() => window.print()}>
          {t('today.print')}
        </button>
        <button type="button" className="secondary" data-testid="today-pdf" onClick={savePdf}>
          {t('today.pdf')}
        </button>
      </div>
      <div className="print-area" data-testid="today-list">
        <h2 className="today-title">
          {formatDay(date, i18n.language)}
          {practitionerId && ` · ${practitioners.get(practitionerId)?.name ?? ''}`}
        </h2>
        <div className="segmented no-print" role="group" aria-label={t('today.stages')}>
          <button type="button" aria-pressed={stage === ''} onClick={() => setStage('')}>
            {t('today.all', { n: list.total })}
          </button>
          {STAGES.map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={stage === s}
              data-testid={`today-stage-${s}`}
              onClick={() => setStage(stage === s ? '' : s)}
            >
              {t(`today.stage.${s}`, { n: list.counts[s] })}
            </button>
          ))}
        </div>
        {list.rows.length === 0 ? (
          <p className="empty" data-testid="today-empty">
            {t('today.empty')}
          </p>
        ) : (
          <table className="table today-table">
            <thead>
              <tr>
                <th>{t('agenda.form.time')}</th>
                <th>{t('agenda.form.patient')}</th>
                <th>{t('patients.mobile')}</th>
                <th>{t('agenda.form.type')}</th>
                {!practitionerId && <th>{t('agenda.form.practitioner')}</th>}
                <th>{t('agenda.form.room')}</th>
                <th>{t('agenda.details.setStatus')}</th>
                <th className="no-print">
                  <span className="visually-hidden">{t('today.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((a) => (
                <tr key={a.id} data-testid="today-row" data-status={a.status}>
                  <td className="mono">{formatTime(a.startAt, i18n.language, zone)}</td>
                  <td>
                    {a.patientId ? (
                      <button
                        type="button"
                        className="link"
                        data-testid="today-patient"
                        onClick={() => openPatient(a.patientId!)}
                      >
                        {a.patientName}
                      </button>
                    ) : (
                      t('agenda.blocked')
                    )}
                  </td>
                  <td className="mono" data-testid="today-phone">
                    {a.patientPhone ? (
                      <a href={`tel:${a.patientPhone}`}>{formatPhone(a.patientPhone, data.practice.country)}</a>
                    ) : (
                      ''
                    )}
                  </td>
                  <td>{a.typeName}</td>
                  {!practitionerId && <td>{practitioners.get(a.practitionerId)?.name}</td>}
                  <td>{a.roomId ? rooms.get(a.roomId) : ''}</td>
                  <td data-testid="today-status">
                    <span className={`status-icon status-${a.status}`} aria-hidden="true">
                      {STATUS_ICON[a.status]}
                    </span>{' '}
                    {t(`agenda.status.${a.status}`)}
                  </td>
                  <td className="row-actions no-print">
                    {nextSteps(a.status).map((status) => (
                      <button
                        key={status}
                        type="button"
                        className={status === 'no_show' ? 'secondary' : undefined}
                        disabled={busy === a.id}
                        data-testid={`today-to-${status}`}
                        aria-label={`${t(`today.to.${status}`)}: ${a.patientName ?? t('agenda.blocked')} ${formatTime(a.startAt, i18n.language, zone)}`}
                        onClick={() => step(a.id, status)}
                      >
                        {t(`today.to.${status}`)}
                      </button>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
