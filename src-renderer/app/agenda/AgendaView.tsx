/**
 * The agenda: a day with one column per practitioner (or room), or a week with one column per day. Click a
 * free slot to book, drag an appointment to move it (the reminder question comes back from the core), click
 * an appointment for its details.
 */
import { useState, type DragEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgendaDay, Appointment } from '../../../src-preload/contract';
import { useQuery } from '../../components/useQuery';
import { useAppStore, type PracticeData } from '../store';
import { formatDay, formatTime, instantAt, localParts, minuteLabel, shiftDate } from '../time';
import { AppointmentDialog } from './AppointmentDialog';
import { BookingDialog, type Slot } from './BookingDialog';
import { useDecisions } from './useDecisions';

const START = 7 * 60;
const END = 20 * 60;
const STEP = 15;
const PX_PER_MINUTE = 0.8;
const HEIGHT = (END - START) * PX_PER_MINUTE;

type Mode = 'day' | 'week';
type By = 'practitioner' | 'room';

interface Column {
  key: string;
  title: string;
  date: string;
  practitionerId?: string;
  roomId?: string | null;
  appointments: Appointment[];
}

const top = (minute: number) => (Math.min(Math.max(minute, START), END) - START) * PX_PER_MINUTE;

/** Side-by-side lanes for appointments that overlap within one column. */
function lanes(appointments: Appointment[]): Map<string, { lane: number; of: number }> {
  const sorted = [...appointments].sort((a, b) => a.startAt - b.startAt);
  const result = new Map<string, { lane: number; of: number }>();
  let cluster: Appointment[] = [];
  let clusterEnd = 0;
  let ends: number[] = [];
  const close = () => {
    for (const a of cluster) result.get(a.id)!.of = ends.length;
    cluster = [];
    ends = [];
  };
  for (const a of sorted) {
    if (a.startAt >= clusterEnd) close();
    let lane = ends.findIndex((end) => end <= a.startAt);
    if (lane === -1) lane = ends.push(a.endAt) - 1;
    else ends[lane] = a.endAt;
    result.set(a.id, { lane, of: 1 });
    cluster.push(a);
    clusterEnd = Math.max(clusterEnd, a.endAt);
  }
  close();
  return result;
}

function columnsOf(
  days: AgendaDay[],
  mode: Mode,
  by: By,
  filter: string,
  data: PracticeData,
  language: string,
): Column[] {
  const active = (a: Appointment) => a.status !== 'cancelled';
  if (mode === 'week') {
    return days.map((day) => ({
      key: day.date,
      title: formatDay(day.date, language, 'short'),
      date: day.date,
      practitionerId: filter || undefined,
      appointments: day.appointments.filter((a) => active(a) && (!filter || a.practitionerId === filter)),
    }));
  }
  const day = days[0];
  if (!day) return [];
  if (by === 'practitioner') {
    return data.practitioners.map((p) => ({
      key: p.id,
      title: p.name,
      date: day.date,
      practitionerId: p.id,
      appointments: day.appointments.filter((a) => active(a) && a.practitionerId === p.id),
    }));
  }
  const rooms: Column[] = data.rooms.map((r) => ({
    key: r.id,
    title: r.name,
    date: day.date,
    roomId: r.id,
    appointments: day.appointments.filter((a) => active(a) && a.roomId === r.id),
  }));
  const roomless = day.appointments.filter((a) => active(a) && a.roomId === null);
  return roomless.length > 0
    ? [...rooms, { key: 'none', title: '–', date: day.date, roomId: null, appointments: roomless }]
    : rooms;
}

export function AgendaView() {
  const { t, i18n } = useTranslation('common');
  const data = useAppStore((s) => s.data);
  const revision = useAppStore((s) => s.revision);
  const zone = data?.practice.timeZone ?? 'UTC';
  const [date, setDate] = useState(() => localParts(Date.now(), zone).date);
  const [mode, setMode] = useState<Mode>('day');
  const [by, setBy] = useState<By>('practitioner');
  const [filter, setFilter] = useState('');
  const [slot, setSlot] = useState<Slot | null>(null);
  const [open, setOpen] = useState<Appointment | null>(null);
  const [grab, setGrab] = useState(0);
  const { decide, dialog } = useDecisions();

  const [loaded, load] = useQuery<AgendaDay[]>(async () => {
    if (mode === 'week') return window.clinic.agenda.week({ date, by });
    const day = await window.clinic.agenda.day({ date, by });
    return day.ok ? { ok: true, value: [day.value] } : day;
  }, [date, mode, by, revision]);
  const days = loaded ?? [];

  if (!data) return null;
  const columns = columnsOf(days, mode, by, filter, data, i18n.language);
  const conflicts = new Set(days.flatMap((d) => d.conflicts));

  const minuteAt = (event: { clientY: number; currentTarget: HTMLElement }, offset = 0) => {
    const y = event.clientY - event.currentTarget.getBoundingClientRect().top - offset;
    const minute = START + Math.round(y / PX_PER_MINUTE / STEP) * STEP;
    return Math.min(Math.max(minute, START), END - STEP);
  };

  const onSlotClick = (column: Column) => (event: MouseEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget) return;
    const minute =
      START +
      Math.floor((event.clientY - event.currentTarget.getBoundingClientRect().top) / PX_PER_MINUTE / STEP) * STEP;
    setSlot({ date: column.date, minute, practitionerId: column.practitionerId, roomId: column.roomId });
  };

  const onDrop = (column: Column) => async (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    const id = event.dataTransfer.getData('text/plain');
    const appointment = days.flatMap((d) => d.appointments).find((a) => a.id === id);
    if (!appointment) return;
    const startAt = instantAt(column.date, minuteAt(event, grab), zone);
    const target =
      by === 'room' && mode === 'day'
        ? { roomId: column.roomId ?? null }
        : column.practitionerId
          ? { practitionerId: column.practitionerId }
          : {};
    const moved = await decide((answers) =>
      window.clinic.agenda.move({
        id,
        startAt,
        ...target,
        allowOverlap: answers.allowOverlap ?? false,
        ...(answers.reminder ? { reminder: answers.reminder } : {}),
      }),
    );
    // A refused move (a cancelled appointment, a time outside the day) says why; the view shows the truth.
    if (moved && !moved.ok) useAppStore.getState().showNotice(moved.error);
    load();
  };

  const hours = Array.from({ length: (END - START) / 60 + 1 }, (_, i) => START + i * 60);

  return (
    <section className="agenda" data-testid="view-agenda">
      <div className="toolbar">
        <button
          type="button"
          className="secondary"
          aria-label={t('agenda.previous')}
          onClick={() => setDate(shiftDate(date, mode === 'day' ? -1 : -7))}
        >
          ‹
        </button>
        <button type="button" className="secondary" onClick={() => setDate(localParts(Date.now(), zone).date)}>
          {t('agenda.today')}
        </button>
        <button
          type="button"
          className="secondary"
          aria-label={t('agenda.next')}
          data-testid="agenda-next"
          onClick={() => setDate(shiftDate(date, mode === 'day' ? 1 : 7))}
        >
          ›
        </button>
        <input
          type="date"
          value={date}
          data-testid="agenda-date"
          onChange={(e) => e.target.value && setDate(e.target.value)}
        />
        <strong className="agenda-title">{formatDay(date, i18n.language)}</strong>
        <div className="segmented" role="group">
          {(['day', 'week'] as const).map((m) => (
            <button
              key={m}
              type="button"
              aria-pressed={mode === m}
              data-testid={`agenda-mode-${m}`}
              onClick={() => setMode(m)}
            >
              {t(`agenda.${m}`)}
            </button>
          ))}
        </div>
        {mode === 'day' ? (
          <div className="segmented" role="group">
            {(['practitioner', 'room'] as const).map((b) => (
              <button key={b} type="button" aria-pressed={by === b} onClick={() => setBy(b)}>
                {t(b === 'practitioner' ? 'agenda.byPractitioner' : 'agenda.byRoom')}
              </button>
            ))}
          </div>
        ) : (
          <select value={filter} onChange={(e) => setFilter(e.target.value)} aria-label={t('agenda.byPractitioner')}>
            <option value="">{t('agenda.allPractitioners')}</option>
            {data.practitioners.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        )}
        <button
          type="button"
          data-testid="agenda-new"
          onClick={() => setSlot({ date, minute: 9 * 60, practitionerId: filter || undefined })}
        >
          {t('agenda.newAppointment')}
        </button>
      </div>
      {columns.length === 0 ? (
        <div className="empty">
          <p>{t('agenda.noColumns')}</p>
        </div>
      ) : (
        <>
          <p className="hint">{t('agenda.dragHint')}</p>
          <div className="grid" style={{ gridTemplateColumns: `56px repeat(${columns.length}, minmax(120px, 1fr))` }}>
            <div />
            {columns.map((c) => (
              <div key={c.key} className="col-head">
                {c.title}
              </div>
            ))}
            <div className="times" style={{ height: HEIGHT }}>
              {hours.map((h) => (
                <span key={h} style={{ top: top(h) }}>
                  {minuteLabel(h)}
                </span>
              ))}
            </div>
            {columns.map((column) => {
              const layout = lanes(column.appointments);
              return (
                <div
                  key={column.key}
                  className="col-body"
                  style={{ height: HEIGHT }}
                  data-testid={`agenda-col-${column.key}`}
                  onClick={onSlotClick(column)}
                  onDragOver={(e) => e.preventDefault()}
                  onDrop={onDrop(column)}
                >
                  {column.appointments.map((a) => {
                    const start = localParts(a.startAt, zone).minute;
                    const end = a.endAt - a.startAt >= 86_400_000 ? END : start + (a.endAt - a.startAt) / 60_000;
                    const place = layout.get(a.id)!;
                    return (
                      <div
                        key={a.id}
                        className={`appointment status-${a.status}${conflicts.has(a.id) ? ' conflict' : ''}`}
                        data-testid={`appointment-${a.id}`}
                        data-conflict={conflicts.has(a.id) || undefined}
                        draggable
                        style={{
                          top: top(start),
                          height: Math.max(top(end) - top(start), 14),
                          left: `${(place.lane / place.of) * 100}%`,
                          width: `${100 / place.of}%`,
                          borderLeftColor: a.colour,
                        }}
                        onDragStart={(e) => {
                          e.dataTransfer.setData('text/plain', a.id);
                          e.dataTransfer.effectAllowed = 'move';
                          setGrab(e.clientY - e.currentTarget.getBoundingClientRect().top);
                        }}
                        onClick={() => setOpen(a)}
                        title={
                          a.reminderAt
                            ? t('agenda.reminderAt', { time: formatTime(a.reminderAt, i18n.language, zone) })
                            : t('agenda.noReminder')
                        }
                      >
                        <span className="time">{formatTime(a.startAt, i18n.language, zone)}</span>{' '}
                        {conflicts.has(a.id) && (
                          <span className="conflict-mark" title={t('agenda.conflictHint')}>
                            {t('agenda.conflict')}{' '}
                          </span>
                        )}
                        <strong>{a.patientName ?? t('agenda.blocked')}</strong>
                        <span className="type"> · {a.typeName}</span>
                        {a.reminderAt !== null && (
                          <svg
                            className="reminder"
                            data-testid="appointment-reminder"
                            data-at={a.reminderAt}
                            viewBox="0 0 24 24"
                            width="12"
                            height="12"
                            aria-hidden="true"
                          >
                            <path
                              d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0"
                              fill="none"
                              stroke="currentColor"
                              strokeWidth="2"
                            />
                          </svg>
                        )}
                      </div>
                    );
                  })}
                </div>
              );
            })}
          </div>
        </>
      )}
      {slot && (
        <BookingDialog
          slot={slot}
          data={data}
          decide={decide}
          onClose={() => setSlot(null)}
          onBooked={() => {
            setSlot(null);
            load();
          }}
        />
      )}
      {open && (
        <AppointmentDialog
          appointment={open}
          data={data}
          decide={decide}
          onClose={() => setOpen(null)}
          onChanged={() => {
            setOpen(null);
            load();
          }}
        />
      )}
      {dialog}
    </section>
  );
}
