/**
 * Outgoing SMS and e-mail: planned from templates (reminders, confirmations, recalls, birthdays) or
 * written freely, with real placeholder values, quiet hours for SMS, segment and credit counts, and the
 * tenant they are charged to. Sending itself is the server's job; here messages wait as `scheduled`.
 */
import type {
  Appointment,
  Language,
  Message,
  MessageKind,
  MessageStatus,
  Patient,
  PlaceholderProblem,
  Practice,
  ReminderRule,
  SmsPreview,
  Template,
} from '../../../src-preload/contract';
import { AppError } from '../errors';
import { normaliseMobile } from '../practice/phone';
import { toPatient } from '../practice/patientService';
import type { Repository, Row } from '../sync/repository';
import { placeholdersFor } from '../../../src-preload/contract';
import { renderTemplate, unknownPlaceholders, type PlaceholderContext, type Rendered } from './placeholders';
import { beforeQuietHours, outsideQuietHours } from '../../../protocol/messaging/quietHours';
import { countSms, creditsFor } from '../../../protocol/messaging/smsSegments';

type ChannelName = 'sms' | 'email';

export const toMessage = (r: Row): Message => ({
  id: String(r.id),
  kind: String(r.kind) as MessageKind,
  channel: String(r.channel) as ChannelName,
  recipient: String(r.recipient),
  subject: String(r.subject),
  body: String(r.body),
  scheduledAt: Number(r.scheduled_at),
  segments: Number(r.segments),
  credits: Number(r.credits),
  status: String(r.status) as MessageStatus,
  createdAt: Number(r.created_at),
  sentAt: r.sent_at === null ? null : Number(r.sent_at),
  deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
  failedAt: r.failed_at === null ? null : Number(r.failed_at),
  cancelledAt: r.cancelled_at === null ? null : Number(r.cancelled_at),
  error: r.error === null ? null : String(r.error),
  patientId: r.patient_id === null ? null : String(r.patient_id),
  patientName: r.patient_name == null ? null : String(r.patient_name),
  appointmentId: r.appointment_id === null ? null : String(r.appointment_id),
  recallId: r.recall_id === null ? null : String(r.recall_id),
});

export const toTemplate = (r: Row): Template => ({
  id: String(r.id),
  kind: String(r.kind) as MessageKind,
  channel: String(r.channel) as ChannelName,
  language: String(r.language) as Language,
  subject: String(r.subject),
  body: String(r.body),
});

/** Messages that can still be changed or withdrawn: not yet handed to the provider. */
export const PENDING: readonly MessageStatus[] = ['draft', 'scheduled', 'queued'];

/**
 * Why a planned message was skipped, stored in its `error` (and translated by the app):
 * `placeholder_missing:<name>` / `placeholder_unknown:<name>`, `no_time_before_appointment`,
 * `birthday_after_hours`.
 */
export type SkipReason = string;
const skipReasonOf = (problems: PlaceholderProblem[]): SkipReason =>
  problems.map((p) => `${p.code}:${p.placeholder}`).join(' ');

/** A validation error naming the first placeholder that cannot be filled in, for the field it is in. */
function placeholderError(field: 'body' | 'subject', problems: PlaceholderProblem[]): AppError {
  return new AppError(
    'validation',
    `Placeholders cannot be filled in: ${problems.map((p) => p.placeholder).join(', ')}`,
    problems.map((p) => ({ path: field, code: p.code, params: { placeholder: p.placeholder } })),
  );
}

const MESSAGE_SELECT = `SELECT m.*, p.first_name || ' ' || p.last_name AS patient_name
  FROM messages m LEFT JOIN patients p ON p.id = m.patient_id`;

/** The channel a message to this patient goes by, or null when the patient cannot or will not receive it. */
export function channelFor(patient: Patient, wanted: ChannelName | 'preferred'): ChannelName | null {
  const channel = wanted === 'preferred' ? patient.channel : wanted;
  if (channel === 'sms') return patient.mobile && !patient.optOutSms ? 'sms' : null;
  if (channel === 'email') return patient.email && !patient.optOutEmail ? 'email' : null;
  return null;
}

/** What placeholders need of an appointment. */
export interface AppointmentFacts {
  startAt: number;
  typeName?: string;
  practitionerName: string;
}

export interface PlanInput {
  kind: MessageKind;
  channel: ChannelName;
  patient: Patient;
  scheduledAt: number;
  tenantId: string | null;
  appointment?: Appointment & { practitionerName: string };
  recall?: { id: string; reason: string };
}

export class MessageService {
  private readonly templateStatement;
  private readonly byAppointment;
  private readonly byId;

  constructor(
    private readonly repo: Repository,
    private readonly practice: () => Practice,
    private readonly now: () => number,
  ) {
    this.templateStatement = repo.db.prepare<[string, string, string], Row>(
      'SELECT * FROM templates WHERE kind = ? AND channel = ? AND language = ? AND deleted = 0',
    );
    this.byId = repo.db.prepare<[string], Row>(`${MESSAGE_SELECT} WHERE m.id = ?`);
    this.byAppointment = repo.db.prepare<[string], Row>(
      `${MESSAGE_SELECT} WHERE m.appointment_id = ? AND m.deleted = 0 ORDER BY m.scheduled_at`,
    );
  }

  /** The template in the patient's language, else English. */
  template(kind: MessageKind, channel: ChannelName, language: Language): Template | null {
    const row = this.templateStatement.get(kind, channel, language) ?? this.templateStatement.get(kind, channel, 'en');
    return row ? toTemplate(row) : null;
  }

  private context(
    input: { patient?: Patient; appointment?: AppointmentFacts; recall?: { reason: string } },
    language: Language,
  ): PlaceholderContext {
    const practice = this.practice();
    return {
      language,
      timeZone: practice.timeZone,
      country: practice.country,
      practice: { name: practice.name, phone: practice.phone },
      ...(input.patient
        ? {
            patient: {
              firstName: input.patient.firstName,
              lastName: input.patient.lastName,
              salutation: input.patient.salutation,
            },
          }
        : {}),
      ...(input.appointment
        ? {
            appointment: { startAt: input.appointment.startAt, typeName: input.appointment.typeName },
            practitioner: { name: input.appointment.practitionerName },
          }
        : {}),
      ...(input.recall ? { recall: { reason: input.recall.reason } } : {}),
    };
  }

  private quietHours() {
    const p = this.practice();
    return { start: p.quietStart, end: p.quietEnd, timeZone: p.timeZone };
  }

  /** SMS inside quiet hours move to their end; e-mail goes when planned. */
  sendTime(channel: ChannelName, at: number): number {
    return channel === 'email' ? at : outsideQuietHours(at, this.quietHours());
  }

  /**
   * When a reminder planned for `at` goes: out of the quiet hours, and always before the appointment. Where the
   * end of the quiet hours would be too late (a 07:30 appointment with a 2-hour rule), it goes at the end of
   * the allowed hours before them (the evening before); where that has passed too, there is no time for it.
   */
  private reminderTime(channel: ChannelName, at: number, startAt: number): number | null {
    const later = this.sendTime(channel, at);
    if (later < startAt) return later;
    const earlier = beforeQuietHours(at, this.quietHours());
    return earlier < startAt && earlier > this.now() ? earlier : null;
  }

  /** The template rendered for this message, with the placeholders its kind has. */
  private renderPlanned(input: PlanInput, template: Template): { body: Rendered; subject: Rendered } {
    const ctx = this.context(input, input.patient.language);
    const allowed = placeholdersFor(input.kind);
    return {
      body: renderTemplate(template.body, ctx, allowed),
      subject: renderTemplate(input.channel === 'email' ? template.subject : '', ctx, allowed),
    };
  }

  /**
   * Writes one planned message from its template (inside the caller's transaction). Null when there is no
   * template. A message whose placeholders cannot all be filled in, or that has no time left to go, is kept
   * as `skipped` with the reason, so that the practice sees it, and is never sent.
   */
  plan(input: PlanInput, options: { skip?: SkipReason; exactly?: boolean } = {}): string | null {
    const template = this.template(input.kind, input.channel, input.patient.language);
    if (!template) return null;
    const { body, subject } = this.renderPlanned(input, template);
    const problems = [...body.problems, ...subject.problems];
    const reason = options.skip ?? (problems.length > 0 ? skipReasonOf(problems) : null);
    // `exactly`: the caller already found a time outside the quiet hours (a reminder before its appointment).
    const at = reason || options.exactly ? input.scheduledAt : this.sendTime(input.channel, input.scheduledAt);
    return this.write(
      {
        kind: input.kind,
        channel: input.channel,
        recipient: input.channel === 'sms' ? input.patient.mobile! : input.patient.email!,
        subject: subject.text,
        body: body.text,
        scheduled_at: at,
        patient_id: input.patient.id,
        appointment_id: input.appointment?.id ?? null,
        recall_id: input.recall?.id ?? null,
        tenant_id: input.tenantId,
      },
      reason,
    );
  }

  private write(row: Row & { channel: ChannelName; body: string }, skipped: SkipReason | null = null): string {
    return this.repo.insert('messages', {
      ...row,
      segments: row.channel === 'sms' ? countSms(row.body).segments : 0,
      credits: skipped ? 0 : creditsFor(row.channel, row.body),
      status: skipped ? 'skipped' : 'scheduled',
      error: skipped,
      created_at: this.now(),
    });
  }

  /** Reminders for an appointment, from its type's rules; none in the past, none without a reachable patient. */
  planReminders(
    appointment: Appointment & { practitionerName: string },
    patient: Patient,
    rules: ReminderRule[],
  ): string[] {
    const ids: string[] = [];
    for (const rule of rules) {
      const at = appointment.startAt - rule.offsetMinutes * 60_000;
      const channel = channelFor(patient, rule.channel);
      // A rule whose time has passed (booked at short notice) simply does not apply.
      if (!channel || at <= this.now()) continue;
      const sendAt = this.reminderTime(channel, at, appointment.startAt);
      const id = this.plan(
        { kind: 'reminder', channel, patient, scheduledAt: sendAt ?? at, tenantId: appointment.tenantId, appointment },
        sendAt === null ? { skip: 'no_time_before_appointment' } : { exactly: true },
      );
      if (id) ids.push(id);
    }
    return ids;
  }

  forAppointment(appointmentId: string): Message[] {
    return this.byAppointment.all(appointmentId).map(toMessage);
  }

  pendingReminders(appointmentId: string): Message[] {
    return this.forAppointment(appointmentId).filter((m) => m.kind === 'reminder' && PENDING.includes(m.status));
  }

  /** Withdraws pending messages (inside the caller's transaction). */
  cancelPending(messages: readonly Pick<Message, 'id' | 'status'>[]): void {
    const at = this.now();
    for (const m of messages) {
      if (PENDING.includes(m.status)) this.repo.update('messages', m.id, { status: 'cancelled', cancelled_at: at });
    }
  }

  get(id: string): Message {
    const row = this.byId.get(id);
    if (!row || row.deleted === 1) throw new AppError('not_found', `Message ${id} not found`);
    return toMessage(row);
  }

  cancel(id: string): Message {
    const message = this.get(id);
    if (!PENDING.includes(message.status)) {
      throw new AppError('invalid_state', `A ${message.status} message can no longer be cancelled`);
    }
    this.repo.transaction(() => this.cancelPending([message]));
    return this.get(id);
  }

  list(filter: { statuses: MessageStatus[]; kinds: MessageKind[]; limit: number; patientId?: string }): Message[] {
    const where = ['m.deleted = 0'];
    const args: (string | number)[] = [];
    if (filter.patientId) {
      where.push('m.patient_id = ?');
      args.push(filter.patientId);
    }
    if (filter.statuses.length) {
      where.push(`m.status IN (${filter.statuses.map(() => '?').join(', ')})`);
      args.push(...filter.statuses);
    }
    if (filter.kinds.length) {
      where.push(`m.kind IN (${filter.kinds.map(() => '?').join(', ')})`);
      args.push(...filter.kinds);
    }
    const rows = this.repo.db
      .prepare(`${MESSAGE_SELECT} WHERE ${where.join(' AND ')} ORDER BY m.scheduled_at DESC LIMIT ?`)
      .all(...args, filter.limit) as Row[];
    return rows.map(toMessage);
  }

  /**
   * What a text will look like and cost, rendered exactly as it would be stored: a template (reminder,
   * recall, …) with the sample values the caller passes, free text with the real patient or none. The
   * placeholders that could not be filled in are listed; storing such a text is refused.
   */
  preview(input: {
    channel: ChannelName;
    kind: MessageKind;
    body: string;
    subject?: string;
    language?: Language;
    patient?: Patient;
    appointment?: AppointmentFacts;
    recall?: { reason: string };
  }): SmsPreview {
    const language = input.language ?? input.patient?.language ?? 'en';
    const allowed = placeholdersFor(input.kind, input.patient !== undefined);
    const ctx = this.context(input, language);
    const body = renderTemplate(input.body, ctx, allowed);
    const subject = renderTemplate(input.channel === 'email' ? (input.subject ?? '') : '', ctx, allowed);
    const count = countSms(body.text);
    return {
      text: body.text,
      encoding: count.encoding,
      units: count.units,
      segments: input.channel === 'sms' ? count.segments : 0,
      remaining: count.remaining,
      credits: creditsFor(input.channel, body.text),
      problems: [...body.problems, ...subject.problems],
    };
  }

  /** A free-text message to a patient from the records or to any valid number or address. */
  compose(input: {
    channel: ChannelName;
    patient: Patient | null;
    recipient: string | null;
    subject: string;
    body: string;
    scheduledAt: number | null;
    tenantId: string | null;
    /** The appointment a free text is about (a cancellation notice), shown with it. */
    appointmentId?: string | null;
  }): Message {
    const recipient = this.recipient(input.channel, input.patient, input.recipient);
    // To a patient: the patient's and the practice's placeholders; to a typed number or address: the practice's.
    const allowed = placeholdersFor('free_text', input.patient !== null);
    const ctx = this.context(input.patient ? { patient: input.patient } : {}, input.patient?.language ?? 'en');
    const body = renderTemplate(input.body, ctx, allowed);
    if (body.problems.length > 0) throw placeholderError('body', body.problems);
    const subject = renderTemplate(input.channel === 'email' ? input.subject : '', ctx, allowed);
    if (subject.problems.length > 0) throw placeholderError('subject', subject.problems);
    const id = this.repo.transaction(() =>
      this.write({
        kind: 'free_text',
        channel: input.channel,
        recipient,
        subject: subject.text,
        body: body.text,
        scheduled_at: this.sendTime(input.channel, input.scheduledAt ?? this.now()),
        patient_id: input.patient?.id ?? null,
        appointment_id: input.appointmentId ?? null,
        recall_id: null,
        tenant_id: input.tenantId,
      }),
    );
    return this.get(id);
  }

  private recipient(channel: ChannelName, patient: Patient | null, raw: string | null): string {
    const fail = (code: string): never => {
      throw new AppError('validation', 'Invalid recipient', [{ path: 'recipient', code }]);
    };
    if (!raw) {
      if (!patient) return fail('recipient_required');
      if (channel === 'sms') return patient.mobile ?? fail('mobile_missing');
      return patient.email ?? fail('email_missing');
    }
    if (channel === 'sms') {
      const phone = normaliseMobile(raw, this.practice().country);
      return phone.ok ? phone.e164 : fail(phone.code);
    }
    return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(raw) && raw.length <= 254 ? raw : fail('email_invalid');
  }

  templates(): Template[] {
    return (
      this.repo.db.prepare('SELECT * FROM templates WHERE deleted = 0 ORDER BY kind, channel, language').all() as Row[]
    ).map(toTemplate);
  }

  /** Saves a template; placeholders its kind does not have are refused (they could never be filled in). */
  saveTemplate(input: Omit<Template, 'id'>): Template {
    const allowed = placeholdersFor(input.kind);
    for (const field of ['body', 'subject'] as const) {
      const unknown = unknownPlaceholders(input[field], allowed);
      if (unknown.length > 0)
        throw placeholderError(
          field,
          unknown.map((placeholder) => ({ code: 'placeholder_unknown', placeholder })),
        );
    }
    const existing = this.templateStatement.get(input.kind, input.channel, input.language);
    const id = this.repo.transaction(() => {
      if (existing) {
        this.repo.update('templates', String(existing.id), { subject: input.subject, body: input.body });
        return String(existing.id);
      }
      return this.repo.insert('templates', { ...input });
    });
    return toTemplate(this.repo.get('templates', id)!);
  }

  patientOf(id: string | null): Patient | null {
    if (!id) return null;
    const row = this.repo.get('patients', id);
    if (!row || row.deleted === 1) throw new AppError('not_found', `Patient ${id} not found`);
    return toPatient(row);
  }
}
