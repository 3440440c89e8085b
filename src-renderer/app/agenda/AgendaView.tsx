/**
 * The agenda: a day with one column per practitioner (or room), or a week with one column per day. Click a
 * free slot to book, drag an appointment to move it (the reminder question comes back from the core), click
 * an appointment (or Tab to it and press Enter) for its details. The layout arithmetic is in agendaLayout.
 */
import { useState, type DragEvent, type KeyboardEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { workingHoursOf, type AgendaDay, type Appointment } from '../../../src-preload/contract';
import { useNow } from '../../components/useNow';
import { useQuery } from '../../components/useQuery';
import { useAppStore } from '../store';
import { formatDay, formatTime, instantAt, localParts, minuteLabel } from '../time';
import {
  closedSpans,
  columnsOf,
  gridHours,
  isoWeek,
  lanes,
  STATUS_ICON,
  STATUS_ORDER,
  ZOOMS,
  type By,
  type Column,
  type Mode,
  type Zoom,
} from './agendaLayout';
import { AppointmentDialog } from './AppointmentDialog';
import { BookingDialog, type Slot } from './BookingDialog';
import { useDecisions } from './useDecisions';
import { DayStepper } from '../../components/DayStepper';

const STEP = 15;

/** A choice kept on this workstation between sessions (zoom, weekends, cancelled shown). */
function useStored<T>(key: string, initial: T, valid: (v: unknown) => boolean) {
  const [value, setValue] = useState<T>(() => {
    try {
      const stored: unknown = JSON.parse(localStorage.getItem(`agenda.${key}`) ?? 'null');
      return valid(stored) ? (stored as T) : initial;
    } catch {
      return initial;
    }
  });
  const set = (next: T) => {
    setValue(next);
    localStorage.setItem(`agenda.${key}`, JSON.stringify(next));
  };
  return [value, set] as const;
}

/** A light wash of the appointment type's colour for the block's background (text stays dark and readable). */
const wash = (colour: string) => (/^#[0-9a-f]{6}$/i.test(colour) ? `${colour}26` : undefined);

export function AgendaView() {
  const { t, i18n } = useTranslation('common');
  const data = useAppStore((s) => s.data);
  const revision = useAppStore((s) => s.revision);
  const toast = useAppStore((s) => s.toast);
  const zone = data?.practice.timeZone ?? 'UTC';
  const now = useNow();
  const [date, setDate] = useState(() => localParts(Date.now(), zone).date);
  const [mode, setMode] = useState<Mode>('day');
  const [by, setBy] = useState<By>('practitioner');
  const [filter, setFilter] = useState('');
  const [zoom, setZoom] = useStored<Zoom>('zoom', 1.5, (v) => (ZOOMS as readonly unknown[]).includes(v));
  const [hideWeekends, setHideWeekends] = useStored('hideWeekends', false, (v) => typeof v === 'boolean');
  const [showCancelled, setShowCancelled] = useStored('showCancelled', true, (v) => typeof v === 'boolean');
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
  const { start: START, end: END } = gridHours(data.practice, data.practitioners);
  const height = (END - START) * zoom;
  const top = (minute: number) => (Math.min(Math.max(minute, START), END) - START) * zoom;
  const columns: Column[] = columnsOf(days, data, {
    mode,
    by,
    filter,
    showCancelled,
    hideWeekends,
    dayTitle: (d) => formatDay(d, i18n.language, 'short'),
    noRoomTitle: t('agenda.form.noRoom'),
  });
  const conflicts = new Set(days.flatMap((d) => d.conflicts));
  const practitioners = new Map(data.practitioners.map((p) => [p.id, p]));
  const today = localParts(now, zone);

  const minuteAt = (event: { clientY: number; currentTarget: HTMLElement }, offset = 0) => {
    const y = event.clientY - event.currentTarget.getBoundingClientRect().top - offset;
    const minute = START + Math.round(y / zoom / STEP) * STEP;
    return Math.min(Math.max(minute, START), END - STEP);
  };

  const onSlotClick = (column: Column) => (event: MouseEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget) return;
    const minute =
      START + Math.floor((event.clientY - event.currentTarget.getBoundingClientRect().top) / zoom / STEP) * STEP;
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
    if (moved?.ok) toast({ text: t('agenda.toast.moved', { time: formatDateTimeShort(startAt) }) });
    load();
  };

  const formatDateTimeShort = (at: number) =>
    `${formatDay(localParts(at, zone).date, i18n.language, 'short')} ${formatTime(at, i18n.language, zone)}`;

  const openOnKey = (a: Appointment) => (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      setOpen(a);
    }
  };

  const hours = Array.from({ length: (END - START) / 60 + 1 }, (_, i) => START + i * 60);
  const weekOf = mode === 'week' ? (days[0]?.date ?? date) : date;

  return (
    <section className="agenda" data-testid="view-agenda">
      <div className="toolbar">
        <DayStepper date={date} zone={zone} step={mode === 'day' ? 1 : 7} onDate={setDate} testPrefix="agenda" />
        <input
          type="date"
          value={date}
          aria-label={t('agenda.form.date')}
          data-testid="agenda-date"
          onChange={(e) => e.target.value && setDate(e.target.value)}
        />
        <strong className="agenda-title">
          {formatDay(date, i18n.language)}{' '}
          <span className="week-number" data-testid="agenda-week">
            {t('agenda.calendarWeek', { week: isoWeek(weekOf) })}
          </span>
        </strong>
        <div className="segmented" role="group" aria-label={t('agenda.viewLabel')}>
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
          <div className="segmented" role="group" aria-label={t('agenda.columnsLabel')}>
            {(['practitioner', 'room'] as const).map((b) => (
              <button key={b} type="button" aria-pressed={by === b} onClick={() => setBy(b)}>
                {t(b === 'practitioner' ? 'agenda.byPractitioner' : 'agenda.byRoom')}
              </button>
            ))}
          </div>
        ) : (
          <>
            <select value={filter} onChange={(e) => setFilter(e.target.value)} aria-label={t('agenda.byPractitioner')}>
              <option value="">{t('agenda.allPractitioners')}</option>
              {data.practitioners.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <label className="check">
              <input
                type="checkbox"
                checked={hideWeekends}
                data-testid="agenda-hide-weekends"
                onChange={(e) => setHideWeekends(e.target.checked)}
              />
              {t('agenda.hideWeekends')}
            </label>
          </>
        )}
        <label className="check">
          <input
            type="checkbox"
            checked={showCancelled}
            data-testid="agenda-show-cancelled"
            onChange={(e) => setShowCancelled(e.target.checked)}
          />
          {t('agenda.showCancelled')}
        </label>
        <label className="inline">
          {t('agenda.zoom')}
          <select value={zoom} data-testid="agenda-zoom" onChange={(e) => setZoom(Number(e.target.value) as Zoom)}>
            {ZOOMS.map((z) => (
              <option key={z} value={z}>
                {t('agenda.zoomLevel', { percent: Math.round((z / 1.5) * 100) })}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          data-testid="agenda-new"
          onClick={() => setSlot({ date, minute: 9 * 60, practitionerId: filter || undefined })}
        >
          {t('agenda.newAppointment')}
        </button>
      </div>
      <ul className="legend" aria-label={t('agenda.legend')} data-testid="agenda-legend">
        {STATUS_ORDER.map((status) => (
          <li key={status}>
            <span className={`status-icon status-${status}`} aria-hidden="true">
              {STATUS_ICON[status]}
            </span>{' '}
            {t(`agenda.status.${status}`)}
          </li>
        ))}
      </ul>
      {columns.length === 0 ? (
        <div className="empty">
          <p>{t('agenda.noColumns')}</p>
        </div>
      ) : (
        <>
          <p className="hint">{t('agenda.dragHint')}</p>
          <div className="grid" style={{ gridTemplateColumns: `56px repeat(${columns.length}, minmax(140px, 1fr))` }}>
            <div />
            {columns.map((c) => {
              const colour = c.practitionerId && mode === 'day' ? practitioners.get(c.practitionerId)?.colour : null;
              return (
                <div key={c.key} className="col-head" title={c.title}>
                  {colour && <span className="dot" style={{ background: colour }} aria-hidden="true" />}
                  {c.title}
                </div>
              );
            })}
            <div className="times" style={{ height }}>
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
                  style={{
                    height,
                    // Hour and quarter-hour lines at the zoom's spacing.
                    backgroundImage: `repeating-linear-gradient(to bottom, #e8ecf0 0, #e8ecf0 1px, transparent 1px, transparent ${60 * zoom}px), repeating-linear-gradient(to bottom, #f4f6f8 0, #f4f6f8 1px, transparent 1px, transparent ${15 * zoom}px)`,
                  }}
                  data-testid={`agenda-col-${column.key}`}
                  onClick={onSlotClick(column)}
                  onDragOver={(e) => e.preventDefault()}
                  onDrop={onDrop(column)}
                >
                  {closedSpans(
                    column.date,
                    workingHoursOf(
                      data.practice,
                      data.practitioners.find((p) => p.id === column.practitionerId),
                    ),
                    { start: START, end: END },
                  ).map((span) => (
                    <div
                      key={span.from}
                      className="closed"
                      aria-hidden="true"
                      data-testid="agenda-closed"
                      style={{ top: top(span.from), height: top(span.to) - top(span.from) }}
                    />
                  ))}
                  {column.date === today.date && today.minute >= START && today.minute <= END && (
                    <div
                      className="now-line"
                      data-testid="agenda-now"
                      aria-hidden="true"
                      style={{ top: top(today.minute) }}
                    />
                  )}
                  {column.appointments.map((a) => {
                    const start = localParts(a.startAt, zone).minute;
                    const end = a.endAt - a.startAt >= 86_400_000 ? END : start + (a.endAt - a.startAt) / 60_000;
                    const place = layout.get(a.id)!;
                    const practitioner = practitioners.get(a.practitionerId);
                    const name = a.patientName ?? t('agenda.blocked');
                    const time = formatTime(a.startAt, i18n.language, zone);
                    const status = t(`agenda.status.${a.status}`);
                    return (
                      <div
                        key={a.id}
                        role="button"
                        tabIndex={0}
                        aria-label={`${time} ${name}, ${a.typeName}, ${status}${mode === 'week' && practitioner ? `, ${practitioner.name}` : ''}`}
                        className={`appointment status-${a.status}${conflicts.has(a.id) ? ' conflict' : ''}`}
                        data-testid={`appointment-${a.id}`}
                        data-status={a.status}
                        data-conflict={conflicts.has(a.id) || undefined}
                        draggable={a.status !== 'cancelled'}
                        style={{
                          top: top(start),
                          height: Math.max(top(end) - top(start), 20),
                          left: `${(place.lane / place.of) * 100}%`,
                          width: `${100 / place.of}%`,
                          // The type's colour across the block; the practitioner's on its edge in the week.
                          background: wash(a.colour),
                          borderLeftColor: mode === 'week' && practitioner ? practitioner.colour : a.colour,
                        }}
                        onDragStart={(e) => {
                          e.dataTransfer.setData('text/plain', a.id);
                          e.dataTransfer.effectAllowed = 'move';
                          setGrab(e.clientY - e.currentTarget.getBoundingClientRect().top);
                        }}
                        onClick={() => setOpen(a)}
                        onKeyDown={openOnKey(a)}
                        title={[
                          `${time} ${name} · ${a.typeName} · ${status}`,
                          a.status === 'cancelled' && a.cancelReason ? a.cancelReason : null,
                          a.reminderAt
                            ? t('agenda.reminderAt', { time: formatTime(a.reminderAt, i18n.language, zone) })
                            : t('agenda.noReminder'),
                        ]
                          .filter(Boolean)
                          .join('\n')}
                      >
                        <span className={`status-icon status-${a.status}`} aria-hidden="true">
                          {STATUS_ICON[a.status]}
                        </span>{' '}
                        <span className="time">{time}</span>{' '}
                        {conflicts.has(a.id) && (
                          <span className="conflict-mark" title={t('agenda.conflictHint')}>
                            {t('agenda.conflict')}{' '}
                          </span>
                        )}
                        <strong className="name">{name}</strong>
                        <span className="type"> · {a.typeName}</span>
                        {mode === 'week' && !filter && practitioner && (
                          <span className="who"> · {practitioner.name}</span>
                        )}
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
          onBooked={(startAt) => {
            setSlot(null);
            toast({ text: t('agenda.toast.booked', { time: formatDateTimeShort(startAt) }) });
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
