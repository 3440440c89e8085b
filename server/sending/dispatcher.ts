/**
 * The dispatcher sends the practices' messages when they are due, even with no workstation switched on.
 *
 * A message reaches the server through sync; the push's transaction queues it here (`ingest`), so an
 * acknowledged message is never lost. Each tick claims due messages with a lease (one conditional update:
 * two processes never claim the same message), checks the rules again on the server (the patient's
 * opt-out, quiet hours in the practice's time zone, a reminder whose appointment has begun is never sent
 * late), takes the SMS parts from the tenant's credits in the same transaction that marks it "sending" (or
 * holds it when credits are short), then hands it to the carrier with the message id as reference. A crash
 * after the hand-over leaves it "sending" with its lease running out; whoever claims it next sends it again
 * with the same reference, which the carrier recognises, and the debit's key stops a second debit.
 * Every state change is written to the message's synced row, so each device sees it.
 */
import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
  type Transaction,
  type Updateable,
} from 'kysely';
import { outsideQuietHours, isQuiet } from '../../protocol/messaging/quietHours';
import { countSms } from '../../protocol/messaging/smsSegments';
import type { FieldMap } from '../../protocol/sync';
import type { DialectName } from '../db/database';
import type { OutgoingMessagesTable, OutgoingState, ServerDatabase } from '../db/schema';
import type { Mailer } from '../mail/mailer';
import type { RowHook, SyncService } from '../sync/syncService';
import { SendError, type SmsCarrier } from './carriers';
import { inTurns } from './inTurns';
import type { CreditLedger } from './ledger';

type Tx = Transaction<ServerDatabase>;
type Outgoing = Selectable<OutgoingMessagesTable>;

export interface DispatcherOptions {
  /** This process (and tick), as the holder of a claim. */
  holder: string;
  leaseMs: number;
  batch: number;
  /** Messages handed to carriers at once. */
  concurrency: number;
  maxAttempts: number;
  intervalMs: number;
  now: () => number;
  log: (message: string, details: Record<string, unknown>) => void;
  /** Whether the practice's subscription (or trial) allows sending now; absent: always. */
  entitled?: (practiceId: string) => Promise<boolean>;
  /** The database's dialect: on PostgreSQL a claim skips the rows another process's claim is writing. */
  dialect?: DialectName;
}

/** What the device's status field shows for each of the server's states. */
const PENDING: readonly OutgoingState[] = ['queued', 'held'];

/**
 * The queue: the states a claim may take a message in (still to be sent, or begun before a crash). Named
 * once for the head's read, the claim's condition on SQLite and its check of locked rows on PostgreSQL.
 */
const IN_QUEUE = ['queued', 'sending'] as const satisfies readonly OutgoingState[];

const text = (fields: FieldMap, name: string): string | null => {
  const v = fields[name]?.v;
  return typeof v === 'string' ? v : null;
};
const int = (fields: FieldMap, name: string): number | null => {
  const v = fields[name]?.v;
  return typeof v === 'number' ? v : null;
};

/** A message the carrier took: its claim and any earlier error cleared (the carrier's id set beside it). */
const SENT = { state: 'sent', lease_holder: null, lease_until: null, error: null } as const;

/**
 * The queue's head: what is due at `now` (leased or, with `free`, not), other than the practices in
 * `skip`, in the order claims read it. A burst's messages are due at the same instant: by practice within
 * it, so that every process reads the same head, where another's claim (a practice's first rows) is seen.
 */
export function dueMessages(
  db: Kysely<ServerDatabase>,
  now: number,
  { skip, limit, free }: { skip: readonly string[]; limit: number; free: boolean },
) {
  return (
    db
      .selectFrom('outgoing_messages')
      .select(['key', 'practice_id', 'lease_until', 'lease_holder'])
      .where((eb) =>
        eb.and([
          // As literals: SQLite uses a partial index (the queue's, migration 020) only for a query that names
          // its condition's values. PostgreSQL's plan of the prepared statement for any due time and limit
          // (its generic plan) reads that index too (sending.test.ts).
          eb(
            'state',
            'in',
            IN_QUEUE.map((state) => sql.lit<OutgoingState>(state)),
          ),
          eb('next_attempt_at', '<=', now),
          ...(free ? [eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)])] : []),
          ...(skip.length > 0 ? [eb('practice_id', 'not in', skip)] : []),
        ]),
      )
      // The queue's index (due time, practice) gives this order without a sort.
      .orderBy('next_attempt_at')
      .orderBy('practice_id')
      .limit(limit)
  );
}

/** A message a claim may take at `now`: still to be sent, due, and not leased to a claim that is alive. */
const claimable = (row: Pick<Outgoing, 'state' | 'next_attempt_at' | 'lease_until'>, now: number): boolean =>
  (IN_QUEUE as readonly OutgoingState[]).includes(row.state) &&
  Number(row.next_attempt_at) <= now &&
  (row.lease_until === null || Number(row.lease_until) <= now);

/** The same rule as a statement's condition (SQLite's claim; the sending tests run every claim on both). */
const claimableWhere =
  (now: number) =>
  (eb: ExpressionBuilder<ServerDatabase, 'outgoing_messages'>): Expression<SqlBool> =>
    eb.and([
      eb('state', 'in', IN_QUEUE),
      eb('next_attempt_at', '<=', now),
      eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]),
    ]);

/**
 * PostgreSQL: the chosen messages' rows as they are now, by their keys alone, locked until the claim's
 * transaction ends — except those another claim is writing, which are skipped, not waited for.
 *
 * By key alone: with the claim's conditions (state, due time) in the statement, PostgreSQL intersected
 * the keys with `outgoing_due` (state, due time), whose entries for the row versions of every status a
 * message passed through stay until vacuum — 223,000 entries read per claim of 200 after a few bursts in
 * the sending benchmark (4.6 of a claim's 9 ms, `auto_explain`), more with every burst — or read the
 * queue through that index and joined the keys to it. The conditions are asked of the locked rows instead.
 *
 * Skipped, not waited for: two claims of the same rows each waited for the other's row locks when they
 * visited them in different orders, until PostgreSQL ended one as a deadlock (the sending benchmark,
 * after a second's wait). Skipping what another claim is writing is PostgreSQL's own answer for queues.
 */
function lockChosen(db: Kysely<ServerDatabase>, keys: readonly string[]) {
  return db
    .selectFrom('outgoing_messages')
    .select(['key', 'state', 'next_attempt_at', 'lease_until'])
    .where('key', 'in', keys)
    .forUpdate()
    .skipLocked();
}

/** Leases the messages to `claim` (one attempt more), answering them as the update left them. */
function leaseRows(
  db: Kysely<ServerDatabase>,
  { keys, claim, until }: { keys: readonly string[]; claim: string; until: number },
) {
  return db
    .updateTable('outgoing_messages')
    .set((eb) => ({ lease_holder: claim, lease_until: until, attempts: eb('attempts', '+', 1) }))
    .where('key', 'in', keys)
    .returningAll();
}

/**
 * Leases to `claim` those of the chosen messages that are free at `now` and that no other claim is
 * writing; the messages leased, as the update left them.
 *
 * On PostgreSQL in one transaction: the rows are locked from the look at them to their lease. On SQLite in
 * one conditional statement: it has one writer and nothing to lock, and a transaction that reads before it
 * writes fails at once (SQLITE_BUSY, or SQLITE_BUSY_SNAPSHOT) where a single write waits for another
 * process's write to end (busy_timeout) — a server CLI command writing the same file.
 */
export function claimRows(
  db: Kysely<ServerDatabase>,
  {
    keys,
    claim,
    now,
    leaseMs,
    dialect,
  }: { keys: readonly string[]; claim: string; now: number; leaseMs: number; dialect: DialectName | undefined },
): Promise<Outgoing[]> {
  const until = now + leaseMs;
  if (dialect !== 'postgres') return leaseRows(db, { keys, claim, until }).where(claimableWhere(now)).execute();
  return db.transaction().execute(async (trx) => {
    const free = (await lockChosen(trx, keys).execute()).filter((row) => claimable(row, now));
    if (free.length === 0) return [];
    return leaseRows(trx, { keys: free.map((row) => row.key), claim, until }).execute();
  });
}

/** Retry after a transient error: 30 s, 1, 2, 4 … minutes, at most an hour. */
export const backoffMs = (attempts: number): number => Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));

/**
 * SMS in one request to a carrier that takes lists: small enough that a refused list, sent again message by
 * message, costs little, and that a request stays well under a provider's size limits.
 */
const HAND_OVER_LIST = 50;

/** How many batches deep a claim looks into the queue's head for practices other processes are working on. */
const LOOK_AHEAD = 4;

export class Dispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = true;
  private ticks = 0;

  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly sync: SyncService,
    private readonly ledger: CreditLedger,
    private readonly carriers: { sms: SmsCarrier; mail: Mailer },
    private readonly options: DispatcherOptions,
  ) {}

  /** The sync hook: a pushed message is queued, changed or withdrawn in the push's transaction. */
  readonly ingest: RowHook = async (trx, practiceId, change) => {
    if (change.table !== 'messages') return;
    const f = change.fields;
    const key = `${practiceId} ${change.id}`;
    const status = text(f, 'status');
    const withdrawn = f.deleted?.v === 1 || status === 'cancelled';
    const existing = await trx.selectFrom('outgoing_messages').selectAll().where('key', '=', key).executeTakeFirst();
    const now = this.options.now();
    if (existing && !PENDING.includes(existing.state) && existing.state !== 'cancelled') {
      // Sending has begun or ended: the server's state is the truth; a device's later stamp (a cancel that
      // crossed the sending) is answered by writing the server's state again.
      if (status !== existing.state) await this.writeStatus(trx, existing, existing.state, {});
      return;
    }
    if (withdrawn || (status !== 'scheduled' && status !== 'queued' && status !== 'held')) {
      if (existing)
        await trx
          .updateTable('outgoing_messages')
          .set({ state: 'cancelled', updated_at: now, lease_holder: null, lease_until: null })
          .where('key', '=', key)
          .execute();
      return;
    }
    const channel = text(f, 'channel');
    const recipient = text(f, 'recipient');
    const body = text(f, 'body');
    const scheduledAt = int(f, 'scheduled_at');
    if ((channel !== 'sms' && channel !== 'email') || !recipient || body === null || scheduledAt === null) return;
    const values = {
      kind: text(f, 'kind') ?? 'free_text',
      channel,
      recipient,
      subject: text(f, 'subject') ?? '',
      body,
      tenant_id: text(f, 'tenant_id'),
      patient_id: text(f, 'patient_id'),
      appointment_id: text(f, 'appointment_id'),
      next_attempt_at: scheduledAt,
      updated_at: now,
    };
    if (existing) {
      // A planned message the practice changed (an appointment moved): the new time and text count.
      await trx
        .updateTable('outgoing_messages')
        .set({ ...values, state: 'queued' })
        .where('key', '=', key)
        .execute();
    } else {
      await trx
        .insertInto('outgoing_messages')
        .values({ key, practice_id: practiceId, message_id: change.id, state: 'queued', ...values })
        .execute();
    }
    if (status !== 'queued')
      await this.sync.writeFields(trx, practiceId, 'messages', change.id, { status: 'queued', queued_at: now });
  };

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops claiming; a tick in progress finishes (its claims are released or completed). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Runs a tick soon (a push brought something that may be due now). */
  kick(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick()
        .then((n) => this.schedule(n >= this.options.batch ? 0 : this.options.intervalMs))
        .catch((error: unknown) => {
          this.options.log('dispatcher tick failed', { err: error });
          this.schedule(this.options.intervalMs);
        });
    }, delay);
    this.timer.unref();
  }

  /** Claims up to a batch of due messages and processes them; how many were claimed. */
  async tick(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.claimAndProcess().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async claimAndProcess(): Promise<number> {
    const claim = `${this.options.holder}:${(this.ticks += 1)}`;
    const claimed = await this.claim(claim);
    if (claimed.length === 0) return 0;
    this.practices = new Map();
    // The checks first, each message on its own; then the credits and the "sending" of all that passed in
    // one transaction per practice (the practice's counter and the tenant's balance taken once per batch,
    // not once per message, so that two processes do not queue behind each other's every message); then
    // the hand-overs, several at once; then "sent" for all of them in one transaction per practice.
    const verdicts = await this.each(claimed, async (row) => {
      try {
        return await this.check(row, claim);
      } catch (error) {
        await this.failedToProcess(row, claim, error);
        return 'done' as const;
      }
    });
    const toBegin = claimed.filter((_, i) => verdicts[i] === 'begin');
    const begun = new Set(await this.beginAll(toBegin, claim));
    const toSend = claimed.filter((row, i) => verdicts[i] === 'send' || begun.has(row));
    const handed = await this.handOverAll(toSend, claim);
    await this.markSent(
      toSend.flatMap((row, i) => (handed[i] ? [{ row, providerId: handed[i] }] : [])),
      claim,
    );
    await this.ledger.flush();
    this.notify();
    return claimed.length;
  }

  /**
   * Leases up to a batch of due messages to this claim. Practices another process is working on (its live
   * leases) are left to it while others have due messages: two processes on one practice would take turns
   * on its counter and balance rows. Two processes that chose the same messages at once both update them
   * under the same conditions, so only one takes each; the other chooses again at once rather than idling
   * until its next tick — without the messages it found taken, nor their practices, which the winner is
   * working on (on PostgreSQL the loser skips rows whose claim has not committed yet: they would look free
   * again, and five choices of the same taken rows ended a claim empty-handed in the middle of a burst).
   *
   * Which practices are busy is seen in the head of the queue, read once with its leases (a few batches
   * deep): a separate read of all live leases went through every lease a burst had left in the lease
   * index until PostgreSQL's vacuum came by (13–25 ms per claim of 200 in the sending benchmark). A busy
   * practice whose leases lie deeper is not seen: the two processes then only take turns on its rows.
   */
  private async claim(claim: string): Promise<Outgoing[]> {
    const mine = `${this.options.holder}:`;
    // Messages an earlier choice of this claim found taken by another, and their practices.
    const taken = new Set<string>();
    const contested = new Set<string>();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const now = this.options.now();
      const due = (skip: readonly string[], limit: number, free: boolean) =>
        dueMessages(this.db, now, { skip, limit, free }).execute();
      const depth = this.options.batch * LOOK_AHEAD;
      const head = await due([], depth, false);
      const leased = (row: (typeof head)[number]) => row.lease_until !== null && Number(row.lease_until) > now;
      const busy = [
        ...new Set([
          ...head.filter((row) => leased(row) && !(row.lease_holder ?? '').startsWith(mine)).map((r) => r.practice_id),
          ...contested,
        ]),
      ];
      const free = head.filter((row) => !leased(row) && !taken.has(row.key));
      let candidates = free.filter((row) => !busy.includes(row.practice_id)).slice(0, this.options.batch);
      // The head held too few free messages of practices nobody works on: more may lie deeper.
      if (candidates.length < this.options.batch && head.length === depth) {
        const chosen = new Set(candidates.map((c) => c.key));
        const deeper = (await due(busy, this.options.batch, true)).filter(
          (row) => !chosen.has(row.key) && !taken.has(row.key),
        );
        candidates = [...candidates, ...deeper].slice(0, this.options.batch);
        if (candidates.length === 0 && busy.length > 0)
          candidates = (await due([], this.options.batch + taken.size, true))
            .filter((row) => !taken.has(row.key))
            .slice(0, this.options.batch);
      }
      if (candidates.length === 0) candidates = free.slice(0, this.options.batch);
      if (candidates.length === 0) return [];
      // The rows this claim took, as the update left them (asking for them afterwards by the claim's name
      // read the whole queue, history included: `lease_holder` has no index, nor needs one).
      const claimed = await claimRows(this.db, {
        keys: candidates.map((c) => c.key),
        claim,
        now,
        leaseMs: this.options.leaseMs,
        dialect: this.options.dialect,
      });
      if (claimed.length > 0) return claimed.sort((a, b) => Number(a.next_attempt_at) - Number(b.next_attempt_at));
      for (const c of candidates) {
        taken.add(c.key);
        contested.add(c.practice_id);
      }
    }
    return [];
  }

  /**
   * A transaction that writes the practice's synced rows (statuses): the practice's counter is taken first,
   * as a device's push takes it before the queue rows its changes reach (a cancelled appointment's
   * reminder) — locking a message and then the counter could wait for a push waiting for that message.
   */
  private inPractice<T>(practiceId: string, work: (trx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      await this.sync.holdCounter(trx, practiceId);
      return work(trx);
    });
  }

  /** Runs `work` for each item, `concurrency` at a time; the answers in the items' order. */
  private each<I, T>(items: readonly I[], work: (item: I) => Promise<T>): Promise<T[]> {
    return inTurns(items, this.options.concurrency, work);
  }

  private async failedToProcess(row: Outgoing, claim: string, error: unknown): Promise<void> {
    this.options.log('message could not be processed', { message: row.message_id, err: error });
    await this.release(row, claim, this.options.now() + backoffMs(row.attempts), null);
  }

  /** The practices' set-up rows, read once per tick. */
  private practices = new Map<string, Promise<FieldMap | null>>();

  private practiceRow(practiceId: string): Promise<FieldMap | null> {
    let found = this.practices.get(practiceId);
    if (!found) {
      found = this.sync.practiceRow(practiceId);
      this.practices.set(practiceId, found);
    }
    return found;
  }

  /**
   * The server's own checks of a claimed message: it is ended, put back or held here ('done'), or it is
   * to be begun ('begin': debited and marked "sending") or, already begun before a crash, sent ('send').
   */
  private async check(row: Outgoing, claim: string): Promise<'done' | 'begin' | 'send'> {
    const now = this.options.now();
    const [practice, appointment, patient] = await Promise.all([
      this.practiceRow(row.practice_id),
      row.appointment_id ? this.sync.row(this.db, row.practice_id, 'appointments', row.appointment_id) : null,
      row.patient_id ? this.sync.row(this.db, row.practice_id, 'patients', row.patient_id) : null,
    ]);
    const startAt = appointment ? int(appointment, 'start_at') : null;
    if (appointment && (appointment.deleted?.v === 1 || text(appointment, 'status') === 'cancelled'))
      return this.done(this.finish(row, claim, 'cancelled', 'appointment_cancelled'));
    if (row.kind === 'reminder' && startAt !== null && startAt <= now)
      return this.done(this.finish(row, claim, 'expired', 'appointment_started'));
    if (patient && int(patient, row.channel === 'sms' ? 'opt_out_sms' : 'opt_out_email') === 1)
      return this.done(this.finish(row, claim, 'skipped', 'opted_out'));
    if (row.channel === 'sms' && practice) {
      const quiet = {
        start: int(practice, 'quiet_start') ?? 1200,
        end: int(practice, 'quiet_end') ?? 480,
        timeZone: text(practice, 'time_zone') ?? 'UTC',
      };
      if (isQuiet(now, quiet)) {
        const later = outsideQuietHours(now, quiet);
        if (row.kind === 'reminder' && startAt !== null && later >= startAt)
          return this.done(this.finish(row, claim, 'expired', 'quiet_hours'));
        return this.done(this.release(row, claim, later, null));
      }
    }
    if (row.state === 'queued' && this.options.entitled && !(await this.options.entitled(row.practice_id))) {
      // Nothing is sent after the trial or subscription ended; a new subscription releases it.
      const held = await this.inPractice(row.practice_id, async (trx) => {
        const done = await this.update(trx, row, claim, {
          state: 'held',
          error: 'no_subscription',
          lease_holder: null,
          lease_until: null,
        });
        if (done) await this.writeStatus(trx, row, 'held', { error: 'no_subscription' });
        return done;
      });
      if (held) this.notify();
      return 'done';
    }
    return row.state === 'queued' ? 'begin' : 'send';
  }

  private async done(work: Promise<void>): Promise<'done'> {
    await work;
    return 'done';
  }

  /**
   * Begins the messages that passed their checks: per practice, one transaction debits each tenant once
   * for all its SMS that the balance covers (in claim order), holds the rest, and marks the paid ones and
   * the e-mails "sending". Should anything in it fail (a claim lost to another process after its lease ran
   * out), it is rolled back whole and each message is begun on its own. The messages begun.
   */
  private async beginAll(rows: readonly Outgoing[], claim: string): Promise<Outgoing[]> {
    const begun: Outgoing[] = [];
    for (const [practiceId, group] of Map.groupBy(rows, (row) => row.practice_id)) {
      try {
        begun.push(...(await this.inPractice(practiceId, (trx) => this.beginPractice(trx, practiceId, group, claim))));
      } catch (error) {
        this.options.log('batch not begun; each message on its own', { practice: practiceId, err: error });
        for (const row of group)
          try {
            if (await this.begin(row, claim)) begun.push(row);
          } catch (error) {
            await this.failedToProcess(row, claim, error);
          }
      }
    }
    return begun;
  }

  private async beginPractice(trx: Tx, practiceId: string, rows: readonly Outgoing[], claim: string) {
    const tenants = await this.ledger.tenants(practiceId, trx);
    const plans = [];
    for (const row of rows) {
      const parts = row.channel === 'sms' ? countSms(row.body).segments : 0;
      const tenantId = row.channel === 'sms' ? await this.tenantFor(trx, row, tenants) : row.tenant_id;
      plans.push({ row, parts, tenantId });
    }
    const paid = new Set<string>();
    const charged = plans.filter((plan) => plan.row.channel === 'sms' && plan.tenantId !== null);
    // Tenants in one order in every process: two processes on one practice each take its tenants' balance
    // rows, and in the order of their claims' first messages they could wait for each other.
    const byTenant = [...Map.groupBy(charged, (plan) => plan.tenantId!)].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [tenantId, owed] of byTenant) {
      const keys = await this.ledger.debitMany(
        trx,
        practiceId,
        tenantId,
        owed.map(({ row, parts }) => ({
          key: `debit:${row.key}`,
          parts,
          messageId: row.message_id,
          note: `${parts} SMS part${parts === 1 ? '' : 's'}`,
        })),
      );
      for (const k of keys) paid.add(k);
    }
    const begun: Outgoing[] = [];
    const statuses: { id: string; values: Record<string, string | number | null> }[] = [];
    // One conditional update per kind of outcome (in a burst: one for all), each for every row it names.
    const outcomes = new Map<string, { set: Omit<Updateable<OutgoingMessagesTable>, 'key'>; keys: string[] }>();
    for (const { row, parts, tenantId } of plans) {
      const unpaid = row.channel === 'sms' && !paid.has(`debit:${row.key}`);
      const error = unpaid ? (tenantId ? 'no_credits' : 'no_tenant') : null;
      const set = unpaid
        ? { state: 'held' as const, tenant_id: tenantId, parts, error, lease_holder: null, lease_until: null }
        : { state: 'sending' as const, tenant_id: tenantId, parts };
      const outcome = JSON.stringify(set);
      const same = outcomes.get(outcome);
      if (same) same.keys.push(row.key);
      else outcomes.set(outcome, { set, keys: [row.key] });
      statuses.push({ id: row.message_id, values: unpaid ? { status: 'held', error } : { status: 'sending' } });
      if (!unpaid) begun.push(row);
    }
    for (const { set, keys } of outcomes.values())
      if ((await this.updateMany(trx, keys, claim, set)) !== keys.length) throw new Error('claim lost');
    const seq = await this.sync.writeFieldsMany(trx, practiceId, 'messages', statuses);
    if (seq !== null) this.changedPractices.set(practiceId, seq);
    return begun;
  }

  /** Marks the message "sending", taking its SMS parts from the tenant's credits; false when it was held. */
  private async begin(row: Outgoing, claim: string): Promise<boolean> {
    return this.inPractice(row.practice_id, async (trx) => {
      let parts = 0;
      let tenantId = row.tenant_id;
      if (row.channel === 'sms') {
        parts = countSms(row.body).segments;
        tenantId = await this.tenantFor(trx, row, await this.ledger.tenants(row.practice_id, trx));
        const paid =
          tenantId !== null &&
          (await this.ledger.append(trx, {
            practiceId: row.practice_id,
            tenantId,
            kind: 'debit',
            amount: -parts,
            key: `debit:${row.key}`,
            messageId: row.message_id,
            note: `${parts} SMS part${parts === 1 ? '' : 's'}`,
          }));
        if (!paid) {
          const held = await this.update(trx, row, claim, {
            state: 'held',
            tenant_id: tenantId,
            parts,
            error: tenantId ? 'no_credits' : 'no_tenant',
            lease_holder: null,
            lease_until: null,
          });
          if (held) await this.writeStatus(trx, row, 'held', { error: tenantId ? 'no_credits' : 'no_tenant' });
          return false;
        }
      }
      const claimedStill = await this.update(trx, row, claim, { state: 'sending', tenant_id: tenantId, parts });
      // The lease ran out meanwhile and another process has the message: undo this debit with the rest.
      if (!claimedStill) throw new Error('claim lost');
      await this.writeStatus(trx, row, 'sending', {});
      return true;
    });
  }

  /**
   * Hands the messages to their carriers (again, after a crash: the reference makes each the same message):
   * SMS in lists where the carrier takes lists (one request for many messages), each message on its own
   * otherwise; `concurrency` requests at once. For each row, the carrier's id, or null when it was not taken
   * (failed, or put back to be tried again).
   */
  private async handOverAll(rows: readonly Outgoing[], claim: string): Promise<(string | null)[]> {
    const answers = new Map<Outgoing, string | null>();
    const inList = (row: Outgoing) => row.channel === 'sms' && this.carriers.sms.sendMany !== undefined;
    const listed = rows.filter(inList);
    const single = rows.filter((row) => !inList(row));
    const lists = Array.from({ length: Math.ceil(listed.length / HAND_OVER_LIST) }, (_, k) =>
      listed.slice(k * HAND_OVER_LIST, (k + 1) * HAND_OVER_LIST),
    );
    const units = [...lists.map((list) => ({ list })), ...single.map((row) => ({ row }))];
    await this.each(units, async (unit) => {
      if ('list' in unit) await this.handOverList(unit.list, claim, answers);
      else answers.set(unit.row, await this.handOverOne(unit.row, claim));
    });
    return rows.map((row) => answers.get(row) ?? null);
  }

  private async handOverList(list: readonly Outgoing[], claim: string, answers: Map<Outgoing, string | null>) {
    let outcomes: ({ providerId: string } | SendError)[];
    try {
      outcomes = await this.carriers.sms.sendMany!(
        list.map((row) => ({ reference: row.message_id, to: row.recipient, text: row.body })),
      );
    } catch (error) {
      outcomes = list.map(() => (error instanceof SendError ? error : new SendError(false, String(error))));
    }
    await Promise.all(
      list.map(async (row, i) => {
        const outcome = outcomes[i] ?? new SendError(false, 'carrier gave no answer');
        try {
          answers.set(
            row,
            outcome instanceof SendError ? await this.notTaken(row, claim, outcome) : outcome.providerId,
          );
        } catch (error) {
          await this.failedToProcess(row, claim, error);
          answers.set(row, null);
        }
      }),
    );
  }

  private async handOverOne(row: Outgoing, claim: string): Promise<string | null> {
    try {
      if (row.channel === 'sms')
        return (await this.carriers.sms.send({ reference: row.message_id, to: row.recipient, text: row.body }))
          .providerId;
      const providerId = `<${row.message_id}@clinicdesk>`;
      await this.carriers.mail.send({ to: row.recipient, subject: row.subject, text: row.body, messageId: providerId });
      return providerId;
    } catch (error) {
      try {
        return await this.notTaken(row, claim, error);
      } catch (error) {
        await this.failedToProcess(row, claim, error);
        return null;
      }
    }
  }

  /** The carrier did not take the message: failed for good (refunded), or put back with backoff. */
  private async notTaken(row: Outgoing, claim: string, error: unknown): Promise<null> {
    const permanent = error instanceof SendError ? error.permanent : false;
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 300);
    if (permanent || row.attempts >= this.options.maxAttempts)
      await this.fail(row, claim, permanent ? reason : `gave up after ${row.attempts} attempts: ${reason}`);
    else await this.release(row, claim, this.options.now() + backoffMs(row.attempts), reason);
    return null;
  }

  /**
   * Marks the messages the carriers took "sent", in one transaction per practice (the practice's counter
   * taken once); should that fail, each on its own.
   */
  private async markSent(sent: readonly { row: Outgoing; providerId: string }[], claim: string): Promise<void> {
    for (const [practiceId, group] of Map.groupBy(sent, (s) => s.row.practice_id)) {
      try {
        await this.inPractice(practiceId, async (trx) => {
          const now = this.options.now();
          const updated = await this.sentMany(trx, group, claim);
          const statuses = group
            .filter(({ row }) => updated.has(row.key))
            .map(({ row }) => ({ id: row.message_id, values: { status: 'sent', sent_at: now, error: null } }));
          const seq = await this.sync.writeFieldsMany(trx, practiceId, 'messages', statuses);
          if (seq !== null) this.changedPractices.set(practiceId, seq);
        });
      } catch (error) {
        this.options.log('batch not marked sent; each message on its own', { practice: practiceId, err: error });
        for (const { row, providerId } of group)
          await this.markOneSent(row, claim, providerId).catch((error: unknown) =>
            this.options.log('message sent, status not written', { message: row.message_id, err: error }),
          );
      }
    }
  }

  /** "sent" with each message's carrier id, in one conditional update; the keys it changed. */
  private async sentMany(
    trx: Tx,
    sent: readonly { row: Outgoing; providerId: string }[],
    claim: string,
  ): Promise<Set<string>> {
    const changed = new Set<string>();
    for (let i = 0; i < sent.length; i += 200) {
      const chunk = sent.slice(i, i + 200);
      const rows = await trx
        .updateTable('outgoing_messages')
        .set((eb) => {
          let providerId = eb.case('key').when(chunk[0]!.row.key).then(chunk[0]!.providerId);
          for (const { row, providerId: id } of chunk.slice(1)) providerId = providerId.when(row.key).then(id);
          return {
            ...SENT,
            provider_id: providerId.end(),
            updated_at: this.options.now(),
          };
        })
        .where(
          'key',
          'in',
          chunk.map(({ row }) => row.key),
        )
        .where('lease_holder', '=', claim)
        .returning('key')
        .execute();
      for (const r of rows) changed.add(r.key);
    }
    return changed;
  }

  /** A conditional update of many rows that holds for those this claim still has; how many it changed. */
  private async updateMany(
    trx: Tx,
    keys: readonly string[],
    claim: string,
    set: Omit<Updateable<OutgoingMessagesTable>, 'key'>,
  ): Promise<number> {
    let changed = 0;
    for (let i = 0; i < keys.length; i += 500) {
      const result = await trx
        .updateTable('outgoing_messages')
        .set({ ...set, updated_at: this.options.now() })
        .where('key', 'in', keys.slice(i, i + 500))
        .where('lease_holder', '=', claim)
        .executeTakeFirst();
      changed += Number(result.numUpdatedRows);
    }
    return changed;
  }

  private async markOneSent(row: Outgoing, claim: string, providerId: string): Promise<void> {
    const now = this.options.now();
    await this.inPractice(row.practice_id, async (trx) => {
      if (await this.update(trx, row, claim, { ...SENT, provider_id: providerId }))
        await this.writeStatus(trx, row, 'sent', { sent_at: now, error: null });
    });
  }

  /** A permanent failure before the carrier took the message: the debit is refunded. */
  private async fail(row: Outgoing, claim: string, reason: string): Promise<void> {
    const now = this.options.now();
    await this.inPractice(row.practice_id, async (trx) => {
      if (
        !(await this.update(trx, row, claim, { state: 'failed', error: reason, lease_holder: null, lease_until: null }))
      )
        return;
      await this.refund(trx, row);
      await this.writeStatus(trx, row, 'failed', { failed_at: now, error: reason });
    });
  }

  private async refund(trx: Tx, row: Outgoing): Promise<void> {
    const debit = await trx
      .selectFrom('credit_ledger')
      .select(['tenant_id', 'amount'])
      .where('idempotency_key', '=', `debit:${row.key}`)
      .executeTakeFirst();
    if (!debit) return;
    await this.ledger.append(trx, {
      practiceId: row.practice_id,
      tenantId: debit.tenant_id,
      kind: 'refund',
      amount: -Number(debit.amount),
      key: `refund:${row.key}`,
      messageId: row.message_id,
      note: 'not taken by the carrier',
    });
  }

  /** Ends a message without sending it (expired, skipped, cancelled); a debit already made is refunded. */
  private async finish(row: Outgoing, claim: string, state: OutgoingState, reason: string): Promise<void> {
    await this.inPractice(row.practice_id, async (trx) => {
      if (!(await this.update(trx, row, claim, { state, error: reason, lease_holder: null, lease_until: null })))
        return;
      await this.refund(trx, row);
      await this.writeStatus(trx, row, state, {
        error: reason,
        ...(state === 'cancelled' ? { cancelled_at: this.options.now() } : {}),
      });
    });
  }

  /** Gives the claim back, to be tried again at `at`. */
  private async release(row: Outgoing, claim: string, at: number, reason: string | null): Promise<void> {
    await this.db
      .updateTable('outgoing_messages')
      .set({
        next_attempt_at: at,
        lease_holder: null,
        lease_until: null,
        error: reason,
        updated_at: this.options.now(),
      })
      .where('key', '=', row.key)
      .where('lease_holder', '=', claim)
      .execute();
  }

  /** A conditional update that holds only while this claim is the message's; false when it is not. */
  private async update(
    trx: Tx,
    row: Outgoing,
    claim: string,
    set: Omit<Updateable<OutgoingMessagesTable>, 'key'>,
  ): Promise<boolean> {
    const result = await trx
      .updateTable('outgoing_messages')
      .set({ ...set, updated_at: this.options.now() })
      .where('key', '=', row.key)
      .where('lease_holder', '=', claim)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  private async writeStatus(
    trx: Tx,
    row: Pick<Outgoing, 'practice_id' | 'message_id'>,
    state: OutgoingState,
    extra: Record<string, string | number | null>,
  ): Promise<void> {
    const seq = await this.sync.writeFields(trx, row.practice_id, 'messages', row.message_id, {
      status: state,
      ...extra,
    });
    if (seq !== null) this.changedPractices.set(row.practice_id, seq);
  }

  private readonly changedPractices = new Map<string, number>();

  /** Tells the devices of practices whose messages changed (after the transactions committed). */
  notify(): void {
    for (const [practiceId, seq] of this.changedPractices) this.sync.notify(practiceId, seq);
    this.changedPractices.clear();
  }

  /** The tenant a message is charged to: its own, the appointment's, or the practice's default (the first). */
  private async tenantFor(trx: Tx, row: Outgoing, tenants: readonly { id: string }[]): Promise<string | null> {
    const live = new Set(tenants.map((t) => t.id));
    if (row.tenant_id && live.has(row.tenant_id)) return row.tenant_id;
    if (row.appointment_id) {
      const appointment = await this.sync.row(trx, row.practice_id, 'appointments', row.appointment_id);
      const tenant = appointment ? text(appointment, 'tenant_id') : null;
      if (tenant && live.has(tenant)) return tenant;
    }
    return tenants[0]?.id ?? null;
  }

  /** Credits arrived for a tenant: its held messages go out by themselves (unless expired meanwhile). */
  async releaseHeld(trx: Tx, practiceId: string, tenantId: string): Promise<void> {
    await trx
      .updateTable('outgoing_messages')
      .set({ state: 'queued', next_attempt_at: this.options.now(), error: null, updated_at: this.options.now() })
      .where('practice_id', '=', practiceId)
      .where('state', '=', sql.lit<OutgoingState>('held'))
      .where((eb) => eb.or([eb('tenant_id', '=', tenantId), eb('tenant_id', 'is', null)]))
      .execute();
  }

  /** A subscription started: the messages held for want of one go out by themselves. */
  async releaseUnsubscribed(trx: Tx, practiceId: string): Promise<void> {
    await trx
      .updateTable('outgoing_messages')
      .set({ state: 'queued', next_attempt_at: this.options.now(), error: null, updated_at: this.options.now() })
      .where('practice_id', '=', practiceId)
      .where('state', '=', sql.lit<OutgoingState>('held'))
      .where('error', '=', 'no_subscription')
      .execute();
  }

  /**
   * A delivery receipt from the carrier: delivered, or failed with the carrier's reason. The message is the
   * one the carrier's id names — unless the receipt's own reference (the message id it was sent with, and
   * the number it went to) says otherwise: then the message with that reference (a list's ids given in another order
   * than its messages). A receipt whose id names nothing finds by reference only a message the carrier
   * took without an id of its own (`ref:`), so that a receipt for an earlier hand-over's id (a message sent
   * twice after a crash) changes nothing.
   */
  async receipt(
    sent: { providerId: string; reference: { messageId: string; recipient: string } | null },
    outcome: { delivered: boolean; reason: string | null },
  ): Promise<boolean> {
    const now = this.options.now();
    const found = await this.db.transaction().execute(async (trx) => {
      const byId = await trx
        .selectFrom('outgoing_messages')
        .selectAll()
        .where('provider_id', '=', sent.providerId)
        .where('channel', '=', 'sms')
        .executeTakeFirst();
      const reference = sent.reference;
      const row =
        reference && (!byId || byId.message_id !== reference.messageId || byId.recipient !== reference.recipient)
          ? await trx
              .selectFrom('outgoing_messages')
              .selectAll()
              .where('recipient', '=', reference.recipient)
              .where('message_id', '=', reference.messageId)
              .where('channel', '=', 'sms')
              .where((eb) =>
                byId ? eb('provider_id', 'is not', null) : eb('provider_id', '=', `ref:${reference.messageId}`),
              )
              .executeTakeFirst()
          : byId;
      if (!row) return false;
      if (row.state !== 'sent') return true; // a receipt repeated, or after a final one: nothing changes
      await this.sync.holdCounter(trx, row.practice_id);
      const state: OutgoingState = outcome.delivered ? 'delivered' : 'failed';
      await trx
        .updateTable('outgoing_messages')
        .set({ state, error: outcome.reason, updated_at: now })
        .where('key', '=', row.key)
        .where('state', '=', 'sent')
        .execute();
      await this.writeStatus(
        trx,
        row,
        state,
        outcome.delivered ? { delivered_at: now } : { failed_at: now, error: outcome.reason },
      );
      return true;
    });
    this.notify();
    return found;
  }

  /** How many of the practice's messages wait for credits. */
  async heldCount(practiceId: string): Promise<number> {
    const row = await this.db
      .selectFrom('outgoing_messages')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('practice_id', '=', practiceId)
      .where('state', '=', sql.lit<OutgoingState>('held'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
