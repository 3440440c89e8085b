/**
 * Recalls and birthday greetings. Due recalls produce recall messages; birthday greetings go out once a day
 * at the practice's chosen time to patients who did not opt out. Both runs are idempotent: running twice
 * creates nothing twice.
 */
import type { Message, Recall } from '../../../src-preload/contract';
import { AppError } from '../errors';
import type { PracticeService } from '../practice/practiceService';
import type { PatientService } from '../practice/patientService';
import { toPatient } from '../practice/patientService';
import type { Repository, Row } from '../sync/repository';
import { channelFor, type MessageService } from './messageService';
import { addDays, atLocal, localDate, localMinute } from '../../../protocol/messaging/timeZone';

const SELECT = `SELECT r.*, p.first_name || ' ' || p.last_name AS patient_name
  FROM recalls r JOIN patients p ON p.id = r.patient_id`;

const toRecall = (r: Row): Recall => ({
  id: String(r.id),
  patientId: String(r.patient_id),
  patientName: String(r.patient_name),
  dueDate: String(r.due_date),
  reason: String(r.reason),
  status: String(r.status) as Recall['status'],
});

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export class RecallService {
  constructor(
    private readonly repo: Repository,
    private readonly practice: PracticeService,
    private readonly patients: PatientService,
    private readonly messages: MessageService,
    private readonly now: () => number,
  ) {}

  list(): Recall[] {
    return (this.repo.db.prepare(`${SELECT} WHERE r.deleted = 0 ORDER BY r.due_date`).all() as Row[]).map(toRecall);
  }

  get(id: string): Recall {
    const row = this.repo.db.prepare(`${SELECT} WHERE r.id = ?`).get(id) as Row | undefined;
    if (!row || row.deleted === 1) throw new AppError('not_found', `Recall ${id} not found`);
    return toRecall(row);
  }

  create(input: { patientId: string; dueDate: string; reason: string }): Recall {
    this.patients.get(input.patientId);
    const id = this.repo.transaction(() =>
      this.repo.insert('recalls', { patient_id: input.patientId, due_date: input.dueDate, reason: input.reason }),
    );
    return this.get(id);
  }

  setStatus(id: string, status: 'open' | 'done' | 'cancelled'): Recall {
    const recall = this.get(id);
    this.repo.transaction(() => {
      this.repo.update('recalls', id, { status });
      if (status === 'cancelled') {
        const pending = this.repo.db
          .prepare("SELECT id, status FROM messages WHERE recall_id = ? AND status IN ('draft', 'scheduled', 'queued')")
          .all(recall.id) as Pick<Message, 'id' | 'status'>[];
        this.messages.cancelPending(pending);
      }
    });
    return this.get(id);
  }

  /** A recall message for every open recall due by today; the recall is then marked sent. */
  runDue(): number {
    const today = localDate(this.now(), this.practice.practice().timeZone);
    const due = this.repo.db
      .prepare(
        `${SELECT} WHERE r.deleted = 0 AND r.status = 'open' AND r.due_date <= ? AND p.deleted = 0
           AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.recall_id = r.id AND m.status = 'skipped' AND m.deleted = 0)`,
      )
      .all(today) as Row[];
    let created = 0;
    this.repo.transaction(() => {
      for (const row of due) {
        const recall = toRecall(row);
        const patient = this.patients.get(recall.patientId);
        const channel = channelFor(patient, 'preferred');
        // Unreachable patients stay on the list for a phone call; reached ones are marked sent.
        if (!channel) continue;
        const id = this.messages.plan({
          kind: 'recall',
          channel,
          patient,
          scheduledAt: this.now(),
          // Charged to the practice's default tenant (the first), never to none.
          tenantId: this.practice.tenants()[0]?.id ?? null,
          recall: { id: recall.id, reason: recall.reason },
        });
        // A recall whose message was skipped (a placeholder without a value) stays open, with the skipped
        // message and its reason on the Messages view; it is not planned again every minute.
        if (!id || this.messages.get(id).status !== 'scheduled') continue;
        created += 1;
        this.repo.update('recalls', recall.id, { status: 'sent' });
      }
    });
    return created;
  }

  /**
   * Birthday greetings for today, once the practice's chosen time has come. Patients born on 29 February
   * are greeted on the 28th in common years. The greeting belongs to the birthday's date: it is planned for
   * that date or not at all (an SMS whose quiet hours have already begun is kept as skipped, with the
   * reason), and a patient has a greeting for this birthday when one is planned on this date, so that a
   * late greeting can never stand in for the next year's.
   */
  runBirthdays(): number {
    const practice = this.practice.practice();
    if (!practice.birthdayEnabled) return 0;
    const now = this.now();
    const zone = practice.timeZone;
    if (localMinute(now, zone) < practice.birthdayMinute) return 0;
    const today = localDate(now, zone);
    const year = Number(today.slice(0, 4));
    const monthDay = today.slice(5);
    const days = monthDay === '02-28' && !isLeapYear(year) ? ['02-28', '02-29'] : [monthDay];
    const dayStart = atLocal(today, 0, zone);
    const dayEnd = atLocal(addDays(today, 1), 0, zone);
    const rows = this.repo.db
      .prepare(
        `SELECT * FROM patients p WHERE p.deleted = 0 AND substr(p.birth_date, 6, 5) IN (${days.map(() => '?').join(', ')})
           AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.patient_id = p.id AND m.kind = 'birthday'
                             AND m.scheduled_at >= ? AND m.scheduled_at < ?)`,
      )
      .all(...days, dayStart, dayEnd) as Row[];
    let created = 0;
    this.repo.transaction(() => {
      for (const row of rows) {
        const patient = toPatient(row);
        const channel = channelFor(patient, 'preferred');
        if (!channel) continue;
        const sendAt = this.messages.sendTime(channel, now);
        const onTheDay = sendAt < dayEnd;
        const id = this.messages.plan(
          {
            kind: 'birthday',
            channel,
            patient,
            scheduledAt: onTheDay ? sendAt : now,
            tenantId: this.practice.tenants()[0]?.id ?? null,
          },
          onTheDay ? { exactly: true } : { skip: 'birthday_after_hours' },
        );
        if (id && this.messages.get(id).status === 'scheduled') created += 1;
      }
    });
    return created;
  }
}
