/**
 * The agenda: booking with its reminders, copy, move, cancel and status, and the day and week views.
 * A command that needs the user's decision (an overlap, or a prepared reminder when moving) changes
 * nothing and returns the question; the UI asks and repeats the command with the answer.
 */
import type {
  AgendaColumn,
  AgendaDay,
  Appointment,
  AppointmentStatus,
  BookResult,
  CancelResult,
  FreeSlot,
  UndoCancelResult,
} from '../../../src-preload/contract';
import { workingHoursOf } from '../../../src-preload/contract';
import { AppError } from '../errors';
import { channelFor, PENDING, type MessageService } from '../messaging/messageService';
import { addDays, atLocal, isoWeekday, localDate, localMinute, weekStart } from '../../../protocol/messaging/timeZone';
import type { Repository, Row } from '../sync/repository';
import type { PatientService } from './patientService';
import type { PracticeService } from './practiceService';

/** Longest appointment; also bounds the day query, so it can use the start-time index. */
const MAX_LENGTH = 24 * 60 * 60_000;
const INACTIVE: readonly AppointmentStatus[] = ['cancelled', 'no_show'];

/** The ids of active appointments that overlap another active one of the same practitioner. */
export function overlaps(appointments: readonly Appointment[]): string[] {
  const found = new Set<string>();
  const byPractitioner = new Map<string, Appointment[]>();
  for (const a of appointments) {
    if (INACTIVE.includes(a.status)) continue;
    const list = byPractitioner.get(a.practitionerId) ?? [];
    list.push(a);
    byPractitioner.set(a.practitionerId, list);
  }
  for (const list of byPractitioner.values()) {
    list.sort((x, y) => x.startAt - y.startAt);
    // A sweep: each appointment against the latest-ending one before it.
    let reach: Appointment | null = null;
    for (const a of list) {
      if (reach && a.startAt < reach.endAt) {
        found.add(a.id);
        found.add(reach.id);
      }
      if (!reach || a.endAt > reach.endAt) reach = a;
    }
  }
  return [...found];
}

/**
 * Appointments with their patient and next pending reminder: the columns shown, not the row's sync stamps (a
 * synced row's per-field stamps are longer than the rest of it). The reminder comes from the index of
 * pending reminders only (migration 013), the patient from the index that carries the shown columns
 * (migration 012): one descent each per appointment. Both are named, since the planner would otherwise take
 * the primary key's index for the patient, and may take the status index for the reminder. The type's name
 * and colour are not joined: a practice has a handful of types, read once per query and looked up in memory
 * (the join cost 0.8 µs per appointment, ~1.4 ms of a week's 1,800).
 */
const COLUMNS = `a.id, a.patient_id, a.practitioner_id, a.room_id, a.type_id, a.tenant_id, a.start_at,
    a.end_at, a.status, a.notes, a.cancel_reason, a.deleted`;
const REMINDER_AT = `(SELECT min(m.scheduled_at) FROM messages m INDEXED BY messages_pending_reminders
       WHERE m.appointment_id = a.id AND m.kind = 'reminder'
       AND m.status IN ('draft', 'scheduled') AND m.deleted = 0) AS reminder_at`;
export const SELECT = `SELECT ${COLUMNS},
    p.first_name || ' ' || p.last_name AS patient_name, p.mobile AS patient_phone, ${REMINDER_AT}
  FROM appointments a
  LEFT JOIN patients p INDEXED BY patients_card ON p.id = a.patient_id`;
/**
 * The same columns for one appointment by id (a booking reads it back two or three times), with the patient
 * read by subqueries instead of the join: SQLite prepares that joined statement again each time a new id is
 * bound to it (this build's query planner lets bound values shape plans): `npm run bench -- statements`,
 * 3.5 against 36 µs per read. The views keep the join: one execution each, over many rows, where a second descent per row
 * would cost more than preparing once. (The overlap check is prepared again in either form: not yet known
 * why; it stays with the join, which measured quicker.)
 */
export const SELECT_ONE = `SELECT ${COLUMNS},
    (SELECT p.first_name || ' ' || p.last_name FROM patients p INDEXED BY patients_card
       WHERE p.id = a.patient_id) AS patient_name,
    (SELECT p.mobile FROM patients p INDEXED BY patients_card WHERE p.id = a.patient_id) AS patient_phone,
    ${REMINDER_AT}
  FROM appointments a`;

type TypeLabel = { name: string; colour: string };

const toAppointment = (r: Row, type: TypeLabel): Appointment => ({
  id: String(r.id),
  patientId: r.patient_id === null ? null : String(r.patient_id),
  patientName: r.patient_name == null ? null : String(r.patient_name),
  practitionerId: String(r.practitioner_id),
  roomId: r.room_id === null ? null : String(r.room_id),
  typeId: String(r.type_id),
  typeName: type.name,
  colour: type.colour,
  tenantId: String(r.tenant_id),
  startAt: Number(r.start_at),
  endAt: Number(r.end_at),
  status: String(r.status) as AppointmentStatus,
  notes: String(r.notes),
  patientPhone: r.patient_phone == null ? null : String(r.patient_phone),
  cancelReason: String(r.cancel_reason ?? ''),
  reminderAt: r.reminder_at == null ? null : Number(r.reminder_at),
});

/** A practitioner, room or type deactivated in the settings is not offered for new bookings. */
function offered<T extends { active: boolean }>(thing: T, path: string): T {
  if (!thing.active) throw new AppError('validation', 'No longer offered', [{ path, code: 'inactive' }]);
  return thing;
}

export interface BookInput {
  patientId: string | null;
  practitionerId: string;
  roomId: string | null;
  typeId: string;
  startAt: number;
  endAt: number | null;
  notes: string;
  allowOverlap: boolean;
  sendConfirmation: boolean;
}

export interface ImportedAppointment {
  patientId: string | null;
  practitionerId: string;
  roomId: string | null;
  typeId: string;
  startAt: number;
  endAt: number;
  status: AppointmentStatus;
  notes: string;
}

export interface MoveInput {
  id: string;
  startAt: number;
  endAt: number | null;
  practitionerId?: string;
  roomId?: string | null;
  allowOverlap: boolean;
  reminder?: 'reschedule' | 'drop';
}

export class AgendaService {
  private readonly byId;
  private readonly inRange;
  private readonly overlapping;
  private readonly byPatient;
  private readonly typeLabels;

  constructor(
    private readonly repo: Repository,
    private readonly practice: PracticeService,
    private readonly patients: PatientService,
    private readonly messages: MessageService,
    private readonly now: () => number,
  ) {
    this.byId = repo.db.prepare<[string], Row>(`${SELECT_ONE} WHERE a.id = ?`);
    // Every type, also removed ones: an appointment keeps showing the type it was booked with.
    this.typeLabels = repo.db.prepare<[], { id: string; name: string; colour: string }>(
      'SELECT id, name, colour FROM appointment_types',
    );
    this.inRange = repo.db.prepare<[number, number, number], Row>(
      `${SELECT} WHERE a.deleted = 0 AND a.start_at >= ? AND a.start_at < ? AND a.end_at > ? ORDER BY a.start_at`,
    );
    this.byPatient = repo.db.prepare<[string], Row>(
      `${SELECT} WHERE a.deleted = 0 AND a.patient_id = ? ORDER BY a.start_at DESC LIMIT 500`,
    );
    this.overlapping = repo.db.prepare<[string, number, number, number, string], Row>(
      `${SELECT} WHERE a.deleted = 0 AND a.practitioner_id = ? AND a.start_at >= ? AND a.start_at < ? AND a.end_at > ?
         AND a.status NOT IN ('cancelled', 'no_show') AND a.id <> ? ORDER BY a.start_at`,
    );
  }

  get(id: string): Appointment {
    const row = this.byId.get(id);
    const [appointment] = row && row.deleted !== 1 ? this.labelled([row]) : [];
    if (!appointment) throw new AppError('not_found', `Appointment ${id} not found`);
    return appointment;
  }

  private conflicts(practitionerId: string, startAt: number, endAt: number, except = ''): Appointment[] {
    return this.labelled(this.overlapping.all(practitionerId, startAt - MAX_LENGTH, endAt, startAt, except));
  }

  /**
   * The rows as appointments with their type's name and colour. A row whose type is not (yet) on this
   * device — a first download writes without foreign keys — is left out, as the join it replaces did.
   */
  private labelled(rows: readonly Row[]): Appointment[] {
    if (rows.length === 0) return [];
    const types = new Map<string, TypeLabel>();
    for (const t of this.typeLabels.all()) types.set(t.id, { name: t.name, colour: t.colour });
    const appointments: Appointment[] = [];
    for (const row of rows) {
      const type = types.get(String(row.type_id));
      if (type) appointments.push(toAppointment(row, type));
    }
    return appointments;
  }

  private checkLength(startAt: number, endAt: number): void {
    if (endAt - startAt > MAX_LENGTH) {
      throw new AppError('validation', 'Appointments last at most a day', [{ path: 'endAt', code: 'too_long' }]);
    }
  }

  /** The appointment with its practitioner's name, as message placeholders need it. */
  withPractitioner(a: Appointment) {
    return { ...a, practitionerName: this.practice.practitioner(a.practitionerId).name };
  }

  /** Plans the type's reminders for a (just written) appointment. */
  private planReminders(id: string): void {
    const appointment = this.get(id);
    if (!appointment.patientId) return;
    const patient = this.patients.get(appointment.patientId);
    this.messages.planReminders(
      this.withPractitioner(appointment),
      patient,
      this.practice.type(appointment.typeId).reminderRules,
    );
  }

  private done(id: string): BookResult {
    return { kind: 'done', appointment: this.get(id), messages: this.messages.forAppointment(id) };
  }

  /**
   * Books an appointment with its reminders, and a confirmation when asked for or when its type says so.
   * `copy`: a copy plans no reminder and no confirmation (vitosms' rule: the patient has been told about the
   * original; whoever copies adds a reminder to the copy if one is wanted, with `addReminder`).
   */
  book(input: BookInput, options: { copy?: boolean } = {}): BookResult {
    const type = offered(this.practice.type(input.typeId), 'typeId');
    const practitioner = offered(this.practice.practitioner(input.practitionerId), 'practitionerId');
    if (input.roomId) offered(this.practice.room(input.roomId), 'roomId');
    const patient = input.patientId ? this.patients.get(input.patientId) : null;
    const endAt = input.endAt ?? input.startAt + type.durationMin * 60_000;
    this.checkLength(input.startAt, endAt);

    const conflicts = this.conflicts(practitioner.id, input.startAt, endAt);
    if (conflicts.length > 0 && !input.allowOverlap)
      return { kind: 'decision', decision: 'confirm_overlap', conflicts };

    const id = this.repo.transaction(() => {
      const id = this.repo.insert('appointments', {
        patient_id: patient?.id ?? null,
        practitioner_id: practitioner.id,
        room_id: input.roomId,
        type_id: type.id,
        tenant_id: practitioner.tenantId,
        start_at: input.startAt,
        end_at: endAt,
        notes: input.notes,
      });
      if (!options.copy) this.planReminders(id);
      const confirmBy =
        patient && !options.copy && (type.confirmOnBooking || input.sendConfirmation)
          ? channelFor(patient, 'preferred')
          : null;
      if (patient && confirmBy) {
        this.messages.plan({
          kind: 'confirmation',
          channel: confirmBy,
          patient,
          scheduledAt: this.now(),
          tenantId: practitioner.tenantId,
          appointment: this.withPractitioner(this.get(id)),
        });
      }
      return id;
    });
    return this.done(id);
  }

  move(input: MoveInput): BookResult {
    const current = this.get(input.id);
    if (INACTIVE.includes(current.status))
      throw new AppError('invalid_state', `A ${current.status} appointment cannot be moved`);
    const practitionerId = input.practitionerId ?? current.practitionerId;
    const practitioner = this.practice.practitioner(practitionerId);
    // To another practitioner or room: only to one still offered (the same one may have left meanwhile).
    if (practitionerId !== current.practitionerId) offered(practitioner, 'practitionerId');
    if (input.roomId && input.roomId !== current.roomId) offered(this.practice.room(input.roomId), 'roomId');
    const endAt = input.endAt ?? input.startAt + (current.endAt - current.startAt);
    this.checkLength(input.startAt, endAt);

    const conflicts = this.conflicts(practitionerId, input.startAt, endAt, current.id);
    if (conflicts.length > 0 && !input.allowOverlap)
      return { kind: 'decision', decision: 'confirm_overlap', conflicts };
    const pending = this.messages.pendingReminders(current.id);
    const timeChanged = input.startAt !== current.startAt;
    if (timeChanged && pending.length > 0 && !input.reminder) {
      return { kind: 'decision', decision: 'reschedule_reminder', reminders: pending };
    }

    this.repo.transaction(() => {
      this.repo.update('appointments', current.id, {
        start_at: input.startAt,
        end_at: endAt,
        practitioner_id: practitionerId,
        tenant_id: practitioner.tenantId,
        ...(input.roomId !== undefined ? { room_id: input.roomId } : {}),
      });
      if (timeChanged) {
        // A prepared reminder names the old time: it is withdrawn either way; "reschedule" prepares new ones.
        this.messages.cancelPending(pending);
        if (pending.length === 0 || input.reminder === 'reschedule') this.planReminders(current.id);
      } else if (practitionerId !== current.practitionerId && pending.length > 0) {
        // Same time, another practitioner: the prepared reminders name the old one and are charged to the
        // old tenant. They are replaced (no question: the patient's time is unchanged).
        this.messages.cancelPending(pending);
        this.planReminders(current.id);
      }
    });
    return this.done(current.id);
  }

  /**
   * Changes patient, type, room or notes. A new patient or type means the prepared reminders no longer
   * fit: they are withdrawn and planned again from the (new) type's rules.
   */
  update(input: {
    id: string;
    patientId?: string | null;
    typeId?: string;
    roomId?: string | null;
    notes?: string;
  }): BookResult {
    const current = this.get(input.id);
    if (INACTIVE.includes(current.status))
      throw new AppError('invalid_state', `A ${current.status} appointment cannot be changed`);
    if (input.typeId && input.typeId !== current.typeId) offered(this.practice.type(input.typeId), 'typeId');
    if (input.roomId && input.roomId !== current.roomId) offered(this.practice.room(input.roomId), 'roomId');
    if (input.patientId) this.patients.get(input.patientId);
    const replan =
      (input.patientId !== undefined && input.patientId !== current.patientId) ||
      (input.typeId !== undefined && input.typeId !== current.typeId);
    this.repo.transaction(() => {
      this.repo.update('appointments', current.id, {
        patient_id: input.patientId,
        type_id: input.typeId,
        room_id: input.roomId,
        notes: input.notes,
      } as Row);
      if (!replan) return;
      this.messages.cancelPending(this.messages.pendingReminders(current.id));
      this.planReminders(current.id);
    });
    return this.done(current.id);
  }

  /**
   * A reminder added to one appointment by hand (any appointment: a copy, or one whose type plans none):
   * the channel and how long before; the message follows the same rules as planned ones.
   */
  addReminder(input: { id: string; channel: 'sms' | 'email' | 'preferred'; offsetMinutes: number }): BookResult {
    const appointment = this.get(input.id);
    if (INACTIVE.includes(appointment.status))
      throw new AppError('invalid_state', `A ${appointment.status} appointment gets no reminder`);
    if (!appointment.patientId)
      throw new AppError('validation', 'The appointment has no patient', [{ path: 'id', code: 'patient_missing' }]);
    const at = appointment.startAt - input.offsetMinutes * 60_000;
    if (at <= this.now())
      throw new AppError('validation', 'That time has passed', [{ path: 'offsetMinutes', code: 'time_passed' }]);
    const patient = this.patients.get(appointment.patientId);
    const planned = this.repo.transaction(() =>
      this.messages.planReminders(this.withPractitioner(appointment), patient, [
        { offsetMinutes: input.offsetMinutes, channel: input.channel },
      ]),
    );
    if (planned.length === 0)
      throw new AppError('validation', 'The patient cannot be reached on this channel', [
        { path: 'channel', code: 'channel_unreachable' },
      ]);
    return this.done(appointment.id);
  }

  /** A copy at another time: same patient, type and notes; no reminder and no confirmation come with it. */
  copy(input: { id: string; startAt: number; practitionerId?: string; allowOverlap: boolean }): BookResult {
    const source = this.get(input.id);
    return this.book(
      {
        patientId: source.patientId,
        practitionerId: input.practitionerId ?? source.practitionerId,
        roomId: source.roomId,
        typeId: source.typeId,
        startAt: input.startAt,
        endAt: input.startAt + (source.endAt - source.startAt),
        notes: source.notes,
        allowOverlap: input.allowOverlap,
        sendConfirmation: false,
      },
      { copy: true },
    );
  }

  /**
   * Imports appointments from another system in one transaction, through the repository (so each gets its
   * outbox entry). Imported appointments are history or already arranged: no reminders are planned for them.
   */
  importMany(rows: readonly ImportedAppointment[]): number {
    const tenants = new Map(this.practice.practitioners().map((p) => [p.id, p.tenantId]));
    const types = new Set(this.practice.types().map((t) => t.id));
    const values = rows.map((row, index) => {
      const tenant = tenants.get(row.practitionerId);
      if (!tenant || !types.has(row.typeId) || !(row.endAt > row.startAt) || row.endAt - row.startAt > MAX_LENGTH) {
        throw new AppError('validation', `Row ${index + 1} cannot be imported`, [
          { path: String(index), code: 'import_row_invalid' },
        ]);
      }
      return {
        patient_id: row.patientId,
        practitioner_id: row.practitionerId,
        room_id: row.roomId,
        type_id: row.typeId,
        tenant_id: tenant,
        start_at: row.startAt,
        end_at: row.endAt,
        status: row.status,
        notes: row.notes,
      };
    });
    // In time order, the start-time and practitioner indexes grow at a few places instead of at random pages.
    values.sort((a, b) => a.start_at - b.start_at);
    this.repo.transaction(() => this.repo.insertMany('appointments', values));
    return rows.length;
  }

  /**
   * Cancels with its reason; pending messages are withdrawn and, when asked, the patient is told (a text the
   * user has read, on the chosen channel). One transaction: a notice that cannot go (no mobile number, a
   * placeholder without a value) changes nothing. The result says how to undo it.
   */
  cancel(input: {
    id: string;
    reason?: string;
    notice?: { channel: 'sms' | 'email'; subject: string; body: string };
  }): CancelResult {
    const current = this.get(input.id);
    if (current.status === 'cancelled') throw new AppError('invalid_state', 'The appointment is already cancelled');
    if (input.notice && !current.patientId)
      throw new AppError('validation', 'The appointment has no patient', [{ path: 'notice', code: 'patient_missing' }]);
    const withdrawn = this.messages.forAppointment(current.id).filter((m) => PENDING.includes(m.status));
    const noticeId = this.repo.transaction(() => {
      this.repo.update('appointments', current.id, { status: 'cancelled', cancel_reason: input.reason ?? '' });
      this.messages.cancelPending(withdrawn);
      if (!input.notice || !current.patientId) return null;
      return this.messages.compose({
        channel: input.notice.channel,
        patient: this.patients.get(current.patientId),
        recipient: null,
        subject: input.notice.subject,
        body: input.notice.body,
        scheduledAt: null,
        tenantId: current.tenantId,
        appointmentId: current.id,
      }).id;
    });
    return {
      appointment: this.get(current.id),
      undo: {
        id: current.id,
        status: current.status,
        restore: withdrawn.map((m) => ({ id: m.id, status: m.status as 'draft' | 'scheduled' | 'queued' })),
        noticeId,
      },
    };
  }

  /**
   * Takes a cancellation back (the toast's "undo"): the previous state, the withdrawn messages that are still
   * withdrawn and not yet due, and the patient's notice withdrawn if it has not gone out. Only while the
   * appointment is still cancelled: an undo that arrives after another change does nothing.
   */
  undoCancel(input: {
    id: string;
    status: AppointmentStatus;
    restore: { id: string; status: 'draft' | 'scheduled' | 'queued' }[];
    noticeId: string | null;
  }): UndoCancelResult {
    const current = this.get(input.id);
    if (current.status !== 'cancelled') throw new AppError('invalid_state', 'The appointment is no longer cancelled');
    const notice = input.noticeId ? this.messages.get(input.noticeId) : null;
    if (notice && notice.appointmentId !== current.id) throw new AppError('not_found', 'No such notice');
    const noticeSent = notice !== null && !PENDING.includes(notice.status);
    this.repo.transaction(() => {
      this.repo.update('appointments', current.id, { status: input.status, cancel_reason: '' });
      for (const m of this.messages.forAppointment(current.id)) {
        const before = input.restore.find((r) => r.id === m.id);
        // A withdrawn reminder comes back as planned (the server claims it again); one whose time passed stays.
        if (before && m.status === 'cancelled' && m.scheduledAt > this.now())
          this.repo.update('messages', m.id, {
            status: before.status === 'queued' ? 'scheduled' : before.status,
            cancelled_at: null,
          });
      }
      if (notice && !noticeSent) this.messages.cancelPending([notice]);
    });
    return { appointment: this.get(current.id), noticeSent };
  }

  setStatus(id: string, status: AppointmentStatus): Appointment {
    if (status === 'cancelled') return this.cancel({ id }).appointment;
    this.get(id);
    this.repo.transaction(() => this.repo.update('appointments', id, { status, cancel_reason: '' }));
    return this.get(id);
  }

  /**
   * The next free times of a practitioner for an appointment of this type: on their working days, within
   * their working hours (the practice's opening hours unless they have their own), on the quarter hour, not overlapping an active appointment, from `after` (never in the past).
   * Looks 60 days ahead at most.
   */
  nextFree(input: { practitionerId: string; typeId: string; after: number; count: number }): FreeSlot[] {
    const practice = this.practice.practice();
    // The practitioner's own working hours where set (they may differ from the opening hours either way).
    const hours = workingHoursOf(practice, this.practice.practitioner(input.practitionerId));
    const length = this.practice.type(input.typeId).durationMin * 60_000;
    const zone = practice.timeZone;
    const step = 15;
    const from = Math.max(input.after, this.now());
    const found: FreeSlot[] = [];
    let date = localDate(from, zone);
    for (let day = 0; day < 60 && found.length < input.count; day++, date = addDays(date, 1)) {
      if (!hours.days.includes(isoWeekday(date))) continue;
      const dayStart = atLocal(date, 0, zone);
      const busy = this.conflicts(input.practitionerId, dayStart, atLocal(addDays(date, 1), 0, zone));
      for (let minute = hours.start; minute + length / 60_000 <= hours.end; minute += step) {
        const startAt = atLocal(date, minute, zone);
        const endAt = startAt + length;
        // A clock change can skip or repeat a local time: take each instant once, in order.
        if (startAt < from || localMinute(startAt, zone) !== minute) continue;
        if (busy.some((a) => a.startAt < endAt && a.endAt > startAt)) continue;
        found.push({ startAt, endAt });
        if (found.length === input.count) break;
      }
    }
    return found;
  }

  /** A patient's appointments, latest first (the patient page). */
  forPatient(patientId: string): Appointment[] {
    this.patients.get(patientId);
    return this.labelled(this.byPatient.all(patientId));
  }

  private columns(by: 'practitioner' | 'room'): AgendaColumn[] {
    return by === 'practitioner'
      ? this.practice.practitioners().map((p) => ({ id: p.id, name: p.name, colour: p.colour }))
      : this.practice.rooms().map((r) => ({ id: r.id, name: r.name, colour: null }));
  }

  private range(from: number, to: number): Appointment[] {
    return this.labelled(this.inRange.all(from - MAX_LENGTH, to, from));
  }

  day(date: string, by: 'practitioner' | 'room'): AgendaDay {
    const zone = this.practice.practice().timeZone;
    const from = atLocal(date, 0, zone);
    const to = atLocal(addDays(date, 1), 0, zone);
    const appointments = this.range(from, to);
    return { date, from, to, columns: this.columns(by), appointments, conflicts: overlaps(appointments) };
  }

  /** Monday to Sunday of the week containing `date`, in one query. */
  week(date: string, by: 'practitioner' | 'room'): AgendaDay[] {
    const zone = this.practice.practice().timeZone;
    const monday = weekStart(date);
    const dates = Array.from({ length: 7 }, (_, i) => addDays(monday, i));
    const bounds = [...dates, addDays(monday, 7)].map((d) => atLocal(d, 0, zone));
    const all = this.range(bounds[0]!, bounds[7]!);
    const columns = this.columns(by);
    return dates.map((d, i) => {
      const appointments = all.filter((a) => a.startAt < bounds[i + 1]! && a.endAt > bounds[i]!);
      return {
        date: d,
        from: bounds[i]!,
        to: bounds[i + 1]!,
        columns,
        appointments,
        conflicts: overlaps(appointments),
      };
    });
  }

  /** Today's date in the practice's time zone. */
  today(): string {
    return localDate(this.now(), this.practice.practice().timeZone);
  }
}
