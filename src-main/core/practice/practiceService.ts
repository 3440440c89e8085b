/**
 * The practice's set-up: its own settings (name, time zone, country, quiet hours, birthday time), tenants
 * with their SMS credits, practitioners, rooms and appointment types. Seeded once on first start.
 */
import type {
  AppointmentType,
  Language,
  Practice,
  Practitioner,
  ReminderRule,
  Room,
  Tenant,
  WorkingHours,
} from '../../../src-preload/contract';
import { DEFAULTS } from '../i18n/defaults';
import { AppError } from '../errors';
import type { Repository, Row } from '../sync/repository';

export const PRACTICE_ID = '00000000-0000-7000-8000-000000000001';

const bool = (value: unknown): boolean => value === 1;

export const toPractice = (r: Row): Practice => ({
  name: String(r.name),
  phone: String(r.phone),
  timeZone: String(r.time_zone),
  country: String(r.country),
  quietStart: Number(r.quiet_start),
  quietEnd: Number(r.quiet_end),
  birthdayMinute: Number(r.birthday_minute),
  birthdayEnabled: bool(r.birthday_enabled),
  openingStart: Number(r.opening_start),
  openingEnd: Number(r.opening_end),
  openingDays: weekdays(r.opening_days),
  logo: typeof r.logo === 'string' ? r.logo : '',
});

/** Weekdays kept as ISO digits in a text ('12345'). */
const weekdays = (value: unknown): number[] =>
  String(value)
    .split('')
    .map(Number)
    .filter((d) => d >= 1 && d <= 7);
const weekdaysText = (days: readonly number[]): string => [...days].sort().join('');

/** A practitioner's own hours as stored (all three or none), or null for the practice's. */
const toWorkingHours = (r: Row): WorkingHours | null =>
  r.work_start === null || r.work_end === null || r.work_days === null || r.work_start === undefined
    ? null
    : { start: Number(r.work_start), end: Number(r.work_end), days: weekdays(r.work_days) };
const workingHoursRow = (hours: WorkingHours | null): Row => ({
  work_start: hours ? hours.start : null,
  work_end: hours ? hours.end : null,
  work_days: hours ? weekdaysText(hours.days) : null,
});
const toTenant = (r: Row): Tenant => ({ id: String(r.id), name: String(r.name), smsCredits: Number(r.sms_credits) });
const toPractitioner = (r: Row): Practitioner => ({
  id: String(r.id),
  name: String(r.name),
  colour: String(r.colour),
  tenantId: String(r.tenant_id),
  active: r.active !== 0,
  workingHours: toWorkingHours(r),
});
const toRoom = (r: Row): Room => ({ id: String(r.id), name: String(r.name), active: r.active !== 0 });
export const toType = (r: Row): AppointmentType => ({
  id: String(r.id),
  name: String(r.name),
  colour: String(r.colour),
  durationMin: Number(r.duration_min),
  isVideo: bool(r.is_video),
  reminderRules: JSON.parse(String(r.reminder_rules)) as ReminderRule[],
  confirmOnBooking: bool(r.confirm_on_booking),
  active: r.active !== 0,
});

export interface SeedOptions {
  language: Language;
  timeZone: string;
  country: string;
}

export class PracticeService {
  /** Read on every booking and message; changed only through updatePractice (or sync, which clears it). */
  private cached: Practice | undefined;

  constructor(private readonly repo: Repository) {}

  forget(): void {
    this.cached = undefined;
  }

  /** Creates the practice, a tenant, default appointment types and templates on first start. */
  seed({ language, timeZone, country }: SeedOptions): void {
    if (this.repo.get('practice', PRACTICE_ID)) return;
    const text = DEFAULTS[language];
    this.repo.transaction(() => {
      this.repo.insert('practice', { id: PRACTICE_ID, name: '', time_zone: timeZone, country });
      this.repo.insert('tenants', { name: text.tenant, sms_credits: 0 });
      const dayBefore: ReminderRule[] = [{ offsetMinutes: 1440, channel: 'preferred' }];
      this.repo.insert('appointment_types', {
        name: text.types.consultation,
        colour: '#2f6fdf',
        duration_min: 30,
        reminder_rules: JSON.stringify(dayBefore),
      });
      this.repo.insert('appointment_types', {
        name: text.types.video,
        colour: '#8a4fd8',
        duration_min: 20,
        is_video: 1,
        reminder_rules: JSON.stringify(dayBefore),
      });
      for (const lang of Object.keys(DEFAULTS) as Language[]) {
        const t = DEFAULTS[lang];
        for (const kind of ['reminder', 'confirmation', 'recall', 'birthday'] as const) {
          this.repo.insert('templates', { kind, channel: 'sms', language: lang, body: t[kind].sms });
          this.repo.insert('templates', {
            kind,
            channel: 'email',
            language: lang,
            subject: t[kind].subject,
            body: t[kind].email,
          });
        }
      }
    });
  }

  practice(): Practice {
    if (this.cached) return this.cached;
    const row = this.repo.get('practice', PRACTICE_ID);
    if (!row) throw new AppError('not_found', 'The practice has not been set up');
    this.cached = toPractice(row);
    return this.cached;
  }

  updatePractice(patch: Partial<Practice>): Practice {
    const current = this.practice();
    // The schema checks a patch on its own; half of the hours may come alone and cross the stored half.
    if ((patch.openingEnd ?? current.openingEnd) <= (patch.openingStart ?? current.openingStart)) {
      throw new AppError('validation', 'Opening hours end before they start', [
        { path: 'openingEnd', code: 'opening_end_before_start' },
      ]);
    }
    this.cached = undefined;
    this.repo.transaction(() =>
      this.repo.update('practice', PRACTICE_ID, {
        name: patch.name,
        phone: patch.phone,
        time_zone: patch.timeZone,
        country: patch.country,
        quiet_start: patch.quietStart,
        quiet_end: patch.quietEnd,
        birthday_minute: patch.birthdayMinute,
        birthday_enabled: patch.birthdayEnabled === undefined ? undefined : Number(patch.birthdayEnabled),
        opening_start: patch.openingStart,
        opening_end: patch.openingEnd,
        opening_days: patch.openingDays && weekdaysText(patch.openingDays),
        logo: patch.logo,
      } as Row),
    );
    return this.practice();
  }

  /** One prepared statement per list: the agenda asks for its columns at every day and week it shows. */
  private readonly listings = new Map<string, { all: () => unknown[] }>();

  private list<T>(table: 'tenants' | 'practitioners' | 'rooms' | 'appointment_types', map: (r: Row) => T): T[] {
    let listing = this.listings.get(table);
    if (!listing) {
      listing = this.repo.db.prepare(`SELECT * FROM ${table} WHERE deleted = 0 ORDER BY name`);
      this.listings.set(table, listing);
    }
    return (listing.all() as Row[]).map(map);
  }

  private one<T>(
    table: 'tenants' | 'practitioners' | 'rooms' | 'appointment_types',
    id: string,
    map: (r: Row) => T,
  ): T {
    const row = this.repo.get(table, id);
    if (!row || row.deleted === 1) throw new AppError('not_found', `${table} ${id} not found`);
    return map(row);
  }

  tenants = (): Tenant[] => this.list('tenants', toTenant);
  tenant = (id: string): Tenant => this.one('tenants', id, toTenant);
  createTenant(input: { name: string; smsCredits: number }): Tenant {
    const id = this.repo.transaction(() =>
      this.repo.insert('tenants', { name: input.name, sms_credits: input.smsCredits }),
    );
    return this.tenant(id);
  }

  practitioners = (): Practitioner[] => this.list('practitioners', toPractitioner);
  practitioner = (id: string): Practitioner => this.one('practitioners', id, toPractitioner);
  createPractitioner(
    input: Omit<Practitioner, 'id' | 'active' | 'workingHours'> & { workingHours?: WorkingHours | null },
  ): Practitioner {
    this.tenant(input.tenantId);
    const id = this.repo.transaction(() =>
      this.repo.insert('practitioners', {
        name: input.name,
        colour: input.colour,
        tenant_id: input.tenantId,
        ...(input.workingHours ? workingHoursRow(input.workingHours) : {}),
      }),
    );
    return this.practitioner(id);
  }
  updatePractitioner({ id, ...patch }: Partial<Practitioner> & { id: string }): Practitioner {
    this.practitioner(id);
    if (patch.tenantId) this.tenant(patch.tenantId);
    this.repo.transaction(() =>
      this.repo.update('practitioners', id, {
        name: patch.name,
        colour: patch.colour,
        tenant_id: patch.tenantId,
        // Absent: unchanged; null: back to the practice's hours.
        ...(patch.workingHours !== undefined ? workingHoursRow(patch.workingHours) : {}),
      } as Row),
    );
    return this.practitioner(id);
  }

  rooms = (): Room[] => this.list('rooms', toRoom);
  room = (id: string): Room => this.one('rooms', id, toRoom);
  createRoom(input: { name: string }): Room {
    const id = this.repo.transaction(() => this.repo.insert('rooms', { name: input.name }));
    return this.room(id);
  }

  types = (): AppointmentType[] => this.list('appointment_types', toType);
  type = (id: string): AppointmentType => this.one('appointment_types', id, toType);
  createType(input: Omit<AppointmentType, 'id' | 'active'>): AppointmentType {
    const id = this.repo.transaction(() => this.repo.insert('appointment_types', typeRow(input)));
    return this.type(id);
  }
  updateRoom({ id, name }: { id: string; name?: string }): Room {
    this.room(id);
    this.repo.transaction(() => this.repo.update('rooms', id, { name } as Row));
    return this.room(id);
  }

  /**
   * Deactivates or activates again. The last active practitioner or appointment type cannot go: nothing
   * could be booked any more.
   */
  setActive(table: 'practitioners' | 'rooms' | 'appointment_types', id: string, active: boolean): void {
    const current = this.one(table, id, (r) => r);
    if (!active && current.active !== 0 && table !== 'rooms') {
      const others = this.repo.db
        .prepare(`SELECT count(*) AS n FROM ${table} WHERE deleted = 0 AND active = 1 AND id <> ?`)
        .get(id) as { n: number };
      if (others.n === 0)
        throw new AppError('validation', 'The last active one cannot be deactivated', [
          { path: 'active', code: 'last_active' },
        ]);
    }
    this.repo.transaction(() => this.repo.update(table, id, { active: active ? 1 : 0 }));
  }

  updateType({ id, ...patch }: Partial<AppointmentType> & { id: string }): AppointmentType {
    this.type(id);
    this.repo.transaction(() => this.repo.update('appointment_types', id, typeRow(patch)));
    return this.type(id);
  }
}

const typeRow = (t: Partial<Omit<AppointmentType, 'id' | 'active'>>): Row =>
  ({
    name: t.name,
    colour: t.colour,
    duration_min: t.durationMin,
    is_video: t.isVideo === undefined ? undefined : Number(t.isVideo),
    reminder_rules: t.reminderRules === undefined ? undefined : JSON.stringify(t.reminderRules),
    confirm_on_booking: t.confirmOnBooking === undefined ? undefined : Number(t.confirmOnBooking),
  }) as Row;
