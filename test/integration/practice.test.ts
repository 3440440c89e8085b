/** The front desk's rules on a real SQLite file: outbox, patients, booking, reminders, copy, move, cancel. */
import { describe, expect, it } from 'vitest';
import type { BookResult, Message } from '../../src-preload/contract';
import { fieldStamp } from '../../src-main/core/sync/repository';
import { berlin, useFixtures, type Fixture } from '../harness/practiceFixture';

const fixture = useFixtures();

const done = (result: BookResult) => {
  if (result.kind !== 'done') throw new Error(`expected done, got ${result.kind}`);
  return result;
};
const reminders = (f: Fixture, appointmentId: string): Message[] =>
  f.core.messages.forAppointment(appointmentId).filter((m) => m.kind === 'reminder');

describe('first start', () => {
  it('seeds the practice once: a tenant, two appointment types, templates in four languages', () => {
    const f = fixture();
    expect(f.core.practice.practice()).toMatchObject({
      timeZone: 'Europe/Berlin',
      country: 'DE',
      quietStart: 1200,
      quietEnd: 480,
    });
    expect(f.core.practice.tenants()).toHaveLength(1);
    expect(
      f.core.practice
        .types()
        .map((t) => t.name)
        .sort(),
    ).toEqual(['Sprechstunde', 'Videosprechstunde']);
    expect(f.count('templates')).toBe(4 * 4 * 2);
    f.core.close();
    const again = fixture(undefined, f.dataDir);
    expect(again.count('templates')).toBe(32);
    expect(again.core.practice.tenants()).toHaveLength(1);
  });
});

describe('repository and outbox', () => {
  it('writes each change with its outbox entry: inserts, changed fields only, tombstones', () => {
    const f = fixture();
    const before = f.count('outbox');
    const p = f.patient();
    const insert = f.core.db.prepare('SELECT * FROM outbox ORDER BY seq DESC LIMIT 1').get() as Record<string, string>;
    expect(insert).toMatchObject({ table_name: 'patients', row_id: p.id, op: 'insert' });
    expect(JSON.parse(insert.fields!)).toEqual(['*']);
    expect(f.core.patients.get(p.id)).toMatchObject({ firstName: 'Anna', mobile: '+491712345601' });
    expect(p.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/); // UUIDv7

    f.clock.now += 1000;
    f.core.patients.update({ id: p.id, notes: 'Allergie: Penicillin', firstName: 'Anna' });
    const update = f.core.db.prepare('SELECT * FROM outbox ORDER BY seq DESC LIMIT 1').get() as Record<string, string>;
    expect(update).toMatchObject({ op: 'update' });
    expect(JSON.parse(update.fields!)).toEqual(['notes']);
    const row = f.core.db.prepare('SELECT hlc, field_hlc FROM patients WHERE id = ?').get(p.id) as {
      hlc: string;
      field_hlc: string;
    };
    expect(fieldStamp(row.field_hlc, 'notes', row.hlc)).toBe(row.hlc);
    expect(fieldStamp(row.field_hlc, 'first_name', row.hlc)).toBe(insert.hlc);
    expect(insert.hlc! < row.hlc).toBe(true);

    f.core.patients.update({ id: p.id, notes: 'Allergie: Penicillin' }); // no change, no entry
    f.core.patients.remove(p.id);
    expect(f.count('patients', `id = '${p.id}' AND deleted = 1`)).toBe(1);
    const gone = f.core.db.prepare('SELECT hlc, field_hlc FROM patients WHERE id = ?').get(p.id) as {
      hlc: string;
      field_hlc: string;
    };
    expect(fieldStamp(gone.field_hlc, 'deleted', gone.hlc)).toBe(gone.hlc);
    expect(fieldStamp(gone.field_hlc, 'notes', gone.hlc)).toBe(row.hlc);
    expect(fieldStamp(gone.field_hlc, 'first_name', gone.hlc)).toBe(insert.hlc);
    const ops = (
      f.core.db.prepare('SELECT op FROM outbox WHERE seq > ? ORDER BY seq').all(before) as { op: string }[]
    ).map((r) => r.op);
    expect(ops).toEqual(['insert', 'update', 'delete']);
    const stamps = (f.core.db.prepare('SELECT hlc FROM outbox ORDER BY seq').all() as { hlc: string }[]).map(
      (r) => r.hlc,
    );
    expect([...stamps].sort()).toEqual(stamps);
  });

  it('leaves neither row nor outbox entry when the transaction fails', () => {
    const f = fixture();
    const [patients, outbox] = [f.count('patients'), f.count('outbox')];
    expect(() =>
      f.core.repository.transaction(() => {
        f.core.repository.insert('patients', { first_name: 'X', last_name: 'Y' });
        throw new Error('power cut');
      }),
    ).toThrow('power cut');
    expect([f.count('patients'), f.count('outbox')]).toEqual([patients, outbox]);
    expect(() => f.core.repository.insert('patients', { first_name: 'X', last_name: 'Y' })).toThrow(
      /inside repository.transaction/,
    );
  });
});

describe('patients', () => {
  it('stores mobile numbers as E.164 and refuses landlines and bad addresses, writing nothing', async () => {
    const f = fixture();
    const base = {
      firstName: 'Jonas',
      lastName: 'Meier',
      birthDate: '1975-02-03',
      mobile: '0151 98765432',
      email: '',
      language: 'de',
      channel: 'sms',
      optOutSms: false,
      optOutEmail: false,
      notes: '',
    };
    const ok = await f.call('patients.create', base);
    expect(ok).toMatchObject({ ok: true, value: { mobile: '+4915198765432', email: null } });
    const [patients, outbox] = [f.count('patients'), f.count('outbox')];
    const refused = [
      [{ ...base, mobile: '030 1234567' }, 'mobile', 'phone_not_mobile'],
      [{ ...base, mobile: '12' }, 'mobile', 'phone_invalid'],
      [{ ...base, mobile: '' }, 'mobile', 'mobile_required_for_sms'],
      [{ ...base, channel: 'email' }, 'email', 'email_required_for_email'],
      [{ ...base, email: 'not-an-address' }, 'email', 'email_invalid'],
      [{ ...base, birthDate: '2999-01-01' }, 'birthDate', 'birth_date_invalid'],
      [{ ...base, birthDate: '17.05.1980' }, 'birthDate', 'date_invalid'],
      [{ ...base, firstName: '  ' }, 'firstName', 'required'],
    ] as const;
    for (const [input, path, code] of refused) {
      const result = await f.call('patients.create', input);
      expect(result, code).toMatchObject({ ok: false, error: { code: 'validation' } });
      expect(result.error!.issues, code).toContainEqual({ path, code });
    }
    const id = (ok.value as { id: string }).id;
    expect(await f.call('patients.update', { id, mobile: '030 1234567' })).toMatchObject({ ok: false });
    expect(await f.call('patients.update', { id, mobile: null })).toMatchObject({
      ok: false,
      error: { issues: [{ code: 'mobile_required_for_sms' }] },
    });
    expect([f.count('patients'), f.count('outbox')]).toEqual([patients, outbox]);
  });

  it('finds patients by name (also without accents), date of birth and phone', () => {
    const f = fixture();
    const mueller = f.patient({
      firstName: 'Jürgen',
      lastName: 'Müller',
      birthDate: '1961-11-30',
      mobile: '0176 5550123',
    });
    f.patient({ firstName: 'Maria', lastName: 'Schmidt', birthDate: '1990-01-02' });
    const ids = (q: string) => f.core.patients.search(q, 50).map((p) => p.id);
    expect(ids('Müll')).toEqual([mueller.id]);
    expect(ids('muller')).toEqual([mueller.id]);
    expect(ids('jürgen müller')).toEqual([mueller.id]);
    expect(ids('30.11.1961')).toEqual([mueller.id]);
    expect(ids('1961-11')).toEqual([mueller.id]);
    expect(ids('0176 5550')).toEqual([mueller.id]);
    expect(ids('+49176555')).toEqual([mueller.id]);
    expect(ids('Mü')).toEqual([mueller.id]);
    // As people type without umlauts or with a short date (issue 15).
    expect(ids('Mueller')).toEqual([mueller.id]);
    expect(ids('juergen mueller')).toEqual([mueller.id]);
    expect(ids('30.11.61')).toEqual([mueller.id]);
    expect(ids('1.3.48')).toEqual([]);
    const born48 = f.patient({ firstName: 'Olga', lastName: 'Strauß', birthDate: '1948-03-01' });
    expect(ids('1.3.48')).toEqual([born48.id]);
    expect(ids('01.03.1948')).toEqual([born48.id]);
    expect(ids('Strauss')).toEqual([born48.id]);
    expect(ids('Manuel')).toEqual([]); // "ue" also stays as typed: no stray matches from the variant
    expect(ids('Nobody')).toEqual([]);
    f.core.patients.remove(mueller.id);
    expect(ids('Müller')).toEqual([]);
  });
});

describe('booking', () => {
  it('plans the reminder 24 h before by the preferred channel, rendered with real values', () => {
    const f = fixture();
    const patient = f.patient();
    const result = done(f.book({ patientId: patient.id, startAt: berlin('2026-06-10', 9, 30) }));
    expect(result.appointment).toMatchObject({
      endAt: berlin('2026-06-10', 10),
      tenantId: f.tenantId,
      status: 'booked',
    });
    expect(result.appointment.reminderAt).toBe(berlin('2026-06-09', 9, 30));
    expect(result.messages).toHaveLength(1);
    const [reminder] = result.messages;
    expect(reminder).toMatchObject({
      kind: 'reminder',
      channel: 'sms',
      recipient: patient.mobile,
      status: 'scheduled',
      segments: 1,
      credits: 1,
    });
    expect(reminder!.body).toContain('Mittwoch, 10.06.2026 um 09:30 Uhr bei Dr. Weber');
    expect(reminder!.body).toContain('Praxis am Park');
    expect(f.core.db.prepare('SELECT tenant_id FROM messages WHERE id = ?').get(reminder!.id)).toEqual({
      tenant_id: f.tenantId,
    });
  });

  it('moves an SMS reminder that would fall in quiet hours to their end; e-mail is not moved', () => {
    const f = fixture();
    const sms = f.patient();
    const mail = f.patient({ channel: 'email' });
    const book = (patientId: string, hh: number) =>
      done(f.book({ patientId, startAt: berlin('2026-06-10', hh), allowOverlap: true }));
    expect(book(sms.id, 21).messages[0]!.scheduledAt).toBe(berlin('2026-06-10', 8));
    expect(book(mail.id, 21).messages[0]).toMatchObject({
      channel: 'email',
      scheduledAt: berlin('2026-06-09', 21),
      credits: 0,
    });
  });

  it('never lets the quiet hours push a reminder to or past the appointment: it goes the evening before, or is skipped with the reason', () => {
    const f = fixture(berlin('2026-06-01', 10));
    const type = f.core.practice.types().find((t) => t.id === f.consultation)!;
    const withRule = (offsetMinutes: number) =>
      f.core.practice.updateType({ ...type, reminderRules: [{ offsetMinutes, channel: 'sms' }] });
    const patient = f.patient();
    const book = (startAt: number) => done(f.book({ patientId: patient.id, startAt, allowOverlap: true }));

    withRule(120); // Monday 07:30 → 05:30 is quiet; 08:00 would be after the start.
    const early = book(berlin('2026-06-08', 7, 30)).messages[0]!;
    expect(early).toMatchObject({ status: 'scheduled', scheduledAt: berlin('2026-06-07', 19, 59) });
    expect(early.scheduledAt).toBeLessThan(berlin('2026-06-08', 7, 30));

    withRule(60); // Tuesday 21:00 → 20:00 is quiet; Wednesday 08:00 is the next day.
    expect(book(berlin('2026-06-09', 21)).messages[0]).toMatchObject({
      status: 'scheduled',
      scheduledAt: berlin('2026-06-09', 19, 59),
    });

    // Booked at 20:30 for 21:45 the same evening: the reminder (20:45) has no allowed time left before it.
    f.clock.now = berlin('2026-06-02', 20, 30);
    const tooLate = book(berlin('2026-06-02', 21, 45)).messages[0]!;
    expect(tooLate).toMatchObject({ status: 'skipped', error: 'no_time_before_appointment', credits: 0 });
  });

  it('plans nothing for patients who opted out or have no channel, and no reminder in the past', () => {
    const f = fixture();
    const book = (patientId: string, startAt: number) => done(f.book({ patientId, startAt, allowOverlap: true }));
    expect(book(f.patient({ optOutSms: true }).id, berlin('2026-06-10', 9)).messages).toEqual([]);
    expect(book(f.patient({ channel: 'none' }).id, berlin('2026-06-10', 9)).messages).toEqual([]);
    expect(book(f.patient().id, berlin('2026-06-01', 15)).messages).toEqual([]); // in 5 hours: the reminder time has passed
  });

  it('sends a confirmation at booking when asked', () => {
    const f = fixture();
    const result = done(
      f.book({ patientId: f.patient().id, startAt: berlin('2026-06-10', 9), sendConfirmation: true }),
    );
    const confirmation = result.messages.find((m) => m.kind === 'confirmation');
    expect(confirmation).toMatchObject({ status: 'scheduled', scheduledAt: f.clock.now });
    expect(confirmation!.body).toContain('ist gebucht');
  });

  it('asks before booking over another appointment of the same practitioner, and writes nothing meanwhile', async () => {
    const f = fixture();
    const input = {
      patientId: f.patient().id,
      practitionerId: f.weber,
      typeId: f.consultation,
      startAt: berlin('2026-06-10', 9),
    };
    expect(await f.call('agenda.book', input)).toMatchObject({ ok: true, value: { kind: 'done' } });
    const [appointments, messages, outbox] = [f.count('appointments'), f.count('messages'), f.count('outbox')];
    const second = { ...input, patientId: f.patient().id, startAt: berlin('2026-06-10', 9, 15) };
    const asked = await f.call('agenda.book', second);
    expect(asked).toMatchObject({
      ok: true,
      value: { kind: 'decision', decision: 'confirm_overlap', conflicts: [{ startAt: input.startAt }] },
    });
    // Only the second patient was written (one outbox entry); the booking waits for the answer.
    expect([f.count('appointments'), f.count('messages'), f.count('outbox')]).toEqual([
      appointments,
      messages,
      outbox + 1,
    ]);
    expect(await f.call('agenda.book', { ...second, practitionerId: f.lind })).toMatchObject({
      ok: true,
      value: { kind: 'done' },
    });
    expect(await f.call('agenda.book', { ...second, allowOverlap: true })).toMatchObject({
      ok: true,
      value: { kind: 'done' },
    });
  });

  it('refuses bad bookings with clear errors and writes nothing', async () => {
    const f = fixture();
    const patient = f.patient();
    const [appointments, outbox] = [f.count('appointments'), f.count('outbox')];
    const base = {
      patientId: patient.id,
      practitionerId: f.weber,
      typeId: f.consultation,
      startAt: berlin('2026-06-10', 9),
    };
    expect(await f.call('agenda.book', { ...base, endAt: berlin('2026-06-10', 8) })).toMatchObject({
      ok: false,
      error: { code: 'validation', issues: [{ path: 'endAt', code: 'end_before_start' }] },
    });
    expect(await f.call('agenda.book', { ...base, endAt: berlin('2026-06-12', 8) })).toMatchObject({
      ok: false,
      error: { code: 'validation', issues: [{ code: 'too_long' }] },
    });
    expect(
      await f.call('agenda.book', { ...base, practitionerId: '01900000-0000-7000-8000-000000000000' }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await f.call('agenda.book', { ...base, typeId: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'validation', issues: [{ path: 'typeId' }] },
    });
    expect(await f.call('agenda.book', { ...base, startAt: -5 })).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    expect([f.count('appointments'), f.count('outbox')]).toEqual([appointments, outbox]);
  });
});

describe('copy, move and cancel', () => {
  const setup = () => {
    const f = fixture();
    const patient = f.patient();
    const original = done(f.book({ patientId: patient.id, startAt: berlin('2026-06-10', 9), notes: 'Kontrolle' }));
    return { f, patient, original };
  };
  /** Moves the appointment to 12 June, 14:00, answering the reminder question with `reminder`. */
  const moveTo12th = (f: Fixture, id: string, reminder: 'reschedule' | 'drop') =>
    done(f.core.agenda.move({ id, startAt: berlin('2026-06-12', 14), endAt: null, allowOverlap: false, reminder }));

  it('a copy plans no reminder by itself; one added to it names its own time and is charged like any', () => {
    const { f, original } = setup();
    const copy = done(
      f.core.agenda.copy({ id: original.appointment.id, startAt: berlin('2026-06-17', 11), allowOverlap: false }),
    );
    expect(copy.appointment).toMatchObject({
      patientId: original.appointment.patientId,
      notes: 'Kontrolle',
      endAt: berlin('2026-06-17', 11, 30),
    });
    expect(copy.appointment.id).not.toBe(original.appointment.id);
    expect(reminders(f, copy.appointment.id)).toEqual([]);
    expect(copy.messages).toEqual([]);
    const added = done(
      f.core.agenda.addReminder({ id: copy.appointment.id, channel: 'preferred', offsetMinutes: 24 * 60 }),
    );
    const copied = reminders(f, copy.appointment.id);
    expect(added.messages).toEqual(copied);
    expect(copied).toHaveLength(1);
    expect(copied[0]).toMatchObject({ scheduledAt: berlin('2026-06-16', 11), channel: 'sms', segments: 1, credits: 1 });
    expect(copied[0]!.id).not.toBe(original.messages[0]!.id);
    expect(copied[0]!.body).toContain('17.06.2026 um 11:00');
    expect(reminders(f, original.appointment.id)).toEqual(original.messages);
  });

  it('moving asks about the prepared reminder and changes nothing until answered', async () => {
    const { f, original } = setup();
    const [outbox] = [f.count('outbox')];
    const asked = await f.call('agenda.move', { id: original.appointment.id, startAt: berlin('2026-06-12', 14) });
    expect(asked).toMatchObject({
      ok: true,
      value: { kind: 'decision', decision: 'reschedule_reminder', reminders: [{ id: original.messages[0]!.id }] },
    });
    expect(f.core.agenda.get(original.appointment.id).startAt).toBe(berlin('2026-06-10', 9));
    expect(f.count('outbox')).toBe(outbox);
  });

  it('"reschedule" withdraws the old reminder and prepares one for the new time', () => {
    const { f, original } = setup();
    const moved = moveTo12th(f, original.appointment.id, 'reschedule');
    expect(moved.appointment).toMatchObject({
      startAt: berlin('2026-06-12', 14),
      endAt: berlin('2026-06-12', 14, 30),
      reminderAt: berlin('2026-06-11', 14),
    });
    const all = reminders(f, original.appointment.id);
    expect(all.map((m) => m.status).sort()).toEqual(['cancelled', 'scheduled']);
    expect(all.find((m) => m.status === 'scheduled')!.body).toContain('12.06.2026 um 14:00');
  });

  it('"drop" withdraws the old reminder and prepares none', () => {
    const { f, original } = setup();
    const moved = moveTo12th(f, original.appointment.id, 'drop');
    expect(moved.appointment.reminderAt).toBeNull();
    expect(reminders(f, original.appointment.id).map((m) => m.status)).toEqual(['cancelled']);
  });

  it('moving to another practitioner at the same time replaces the reminder without asking: new name, new tenant', () => {
    const { f, original } = setup();
    const otherTenant = f.core.practice.createTenant({ name: 'Dr. Lind (own account)', smsCredits: 100 });
    const lind = f.core.practice.createPractitioner({
      name: 'Dr. Sara Lind',
      colour: '#123456',
      tenantId: otherTenant.id,
    });
    expect(original.messages[0]!.body).toContain('Dr. Weber');
    const moved = done(
      f.core.agenda.move({
        id: original.appointment.id,
        startAt: original.appointment.startAt,
        endAt: null,
        practitionerId: lind.id,
        allowOverlap: false,
      }),
    );
    expect(moved.appointment).toMatchObject({ practitionerId: lind.id, tenantId: otherTenant.id });
    const all = reminders(f, original.appointment.id);
    expect(all.map((m) => m.status).sort()).toEqual(['cancelled', 'scheduled']);
    const current = all.find((m) => m.status === 'scheduled')!;
    expect(current.body).toContain('Dr. Sara Lind');
    expect(current.scheduledAt).toBe(original.messages[0]!.scheduledAt);
    expect(f.core.db.prepare('SELECT tenant_id FROM messages WHERE id = ?').get(current.id)).toEqual({
      tenant_id: otherTenant.id,
    });
  });

  it('a copy of an appointment whose type confirms on booking gets no confirmation', () => {
    const f = fixture();
    const type = f.core.practice.types().find((t) => t.id === f.consultation)!;
    f.core.practice.updateType({ ...type, confirmOnBooking: true });
    const original = done(f.book({ patientId: f.patient().id, startAt: berlin('2026-06-10', 9) }));
    expect(original.messages.map((m) => m.kind).sort()).toEqual(['confirmation', 'reminder']);
    const copy = done(
      f.core.agenda.copy({ id: original.appointment.id, startAt: berlin('2026-06-17', 11), allowOverlap: false }),
    );
    expect(copy.messages).toEqual([]);
  });

  it('refuses a reminder whose time has passed, for an appointment without a patient, or a cancelled one', async () => {
    const { f, original } = setup();
    const bare = done(f.book({ startAt: berlin('2026-06-11', 9) }));
    const fails = async (input: unknown) => (await f.call('agenda.addReminder', input)).error;
    expect(await fails({ id: bare.appointment.id, channel: 'sms', offsetMinutes: 60 })).toMatchObject({
      code: 'validation',
      issues: [{ path: 'id', code: 'patient_missing' }],
    });
    expect(await fails({ id: original.appointment.id, channel: 'sms', offsetMinutes: 43_200 })).toMatchObject({
      issues: [{ path: 'offsetMinutes', code: 'time_passed' }],
    });
    expect(await fails({ id: original.appointment.id, channel: 'fax', offsetMinutes: 60 })).toMatchObject({
      code: 'validation',
    });
    f.core.agenda.cancel({ id: original.appointment.id });
    expect(await fails({ id: original.appointment.id, channel: 'sms', offsetMinutes: 60 })).toMatchObject({
      code: 'invalid_state',
    });
    expect(reminders(f, bare.appointment.id)).toEqual([]);
  });

  it('a queued reminder is still withdrawn by a move and by cancelling', () => {
    const { f, original } = setup();
    const queue = (id: string) => f.core.db.prepare("UPDATE messages SET status = 'queued' WHERE id = ?").run(id);
    queue(original.messages[0]!.id);
    const moved = moveTo12th(f, original.appointment.id, 'reschedule');
    const all = reminders(f, moved.appointment.id);
    expect(all.find((m) => m.id === original.messages[0]!.id)!.status).toBe('cancelled');
    const fresh = all.find((m) => m.status === 'scheduled')!;
    queue(fresh.id);
    f.core.agenda.cancel({ id: original.appointment.id });
    expect(reminders(f, original.appointment.id).map((m) => m.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('cancelling cancels its pending messages', () => {
    const { f, original } = setup();
    const cancelled = f.core.agenda.cancel({ id: original.appointment.id });
    expect(cancelled.appointment).toMatchObject({ status: 'cancelled', reminderAt: null });
    expect(reminders(f, original.appointment.id)).toMatchObject([{ status: 'cancelled', cancelledAt: f.clock.now }]);
    expect(() =>
      f.core.agenda.move({
        id: original.appointment.id,
        startAt: berlin('2026-06-12', 14),
        endAt: null,
        allowOverlap: false,
      }),
    ).toThrow(/cannot be moved/);
  });
});

describe('editing an appointment', () => {
  it('re-plans reminders for a new patient, leaves them for a new note, writes nothing when refused', async () => {
    const f = fixture();
    const [first, second] = [f.patient(), f.patient()];
    const booked = done(f.book({ patientId: first.id, startAt: berlin('2026-06-10', 9) }));
    const before = reminders(f, booked.appointment.id);

    const noted = await f.call('agenda.update', { id: booked.appointment.id, notes: 'Bitte nüchtern kommen' });
    expect(noted).toMatchObject({ ok: true, value: { kind: 'done', appointment: { notes: 'Bitte nüchtern kommen' } } });
    expect(reminders(f, booked.appointment.id)).toEqual(before);

    const moved = await f.call('agenda.update', { id: booked.appointment.id, patientId: second.id });
    expect(moved).toMatchObject({ ok: true, value: { appointment: { patientId: second.id } } });
    const after = reminders(f, booked.appointment.id);
    expect(after.map((m) => [m.status, m.recipient]).sort()).toEqual(
      [
        ['cancelled', first.mobile],
        ['scheduled', second.mobile],
      ].sort(),
    );

    const outbox = f.count('outbox');
    expect(
      await f.call('agenda.update', { id: booked.appointment.id, typeId: '01900000-0000-7000-8000-000000000000' }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await f.call('agenda.update', { id: booked.appointment.id, notes: 'x'.repeat(2001) })).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    f.core.agenda.cancel({ id: booked.appointment.id });
    const afterCancel = f.count('outbox');
    expect(await f.call('agenda.update', { id: booked.appointment.id, notes: 'zu spät' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_state' },
    });
    expect(f.count('outbox')).toBe(afterCancel);
    expect(afterCancel).toBeGreaterThan(outbox);
  });
});

describe('agenda views', () => {
  it('returns one day in practice time and a Monday-to-Sunday week', () => {
    const f = fixture();
    const book = (startAt: number) => f.book({ startAt, allowOverlap: true });
    book(berlin('2026-03-29', 0, 15)); // the night clocks go forward
    book(berlin('2026-03-29', 23, 45));
    book(berlin('2026-03-30', 0, 0));
    book(berlin('2026-03-28', 23, 45)); // ends 00:15 on the 29th: shown on both days
    const day = f.core.agenda.day('2026-03-29', 'practitioner');
    expect(day.to - day.from).toBe(23 * 3_600_000);
    expect(day.appointments.map((a) => a.startAt)).toEqual([
      berlin('2026-03-28', 23, 45),
      berlin('2026-03-29', 0, 15),
      berlin('2026-03-29', 23, 45),
    ]);
    expect(day.columns.map((c) => c.name)).toEqual(['Dr. Lind', 'Dr. Weber']);
    const week = f.core.agenda.week('2026-03-26', 'practitioner');
    expect(week.map((d) => d.date)).toEqual([
      '2026-03-23',
      '2026-03-24',
      '2026-03-25',
      '2026-03-26',
      '2026-03-27',
      '2026-03-28',
      '2026-03-29',
    ]);
    expect(week[5]!.appointments).toHaveLength(1);
    expect(week[6]!.appointments).toHaveLength(3);
  });

  it("shows each appointment with its type's current name and colour, also a removed type's", () => {
    const f = fixture();
    const [first, second] = f.core.practice.types();
    const a = done(f.book({ startAt: berlin('2026-05-04', 9, 0), typeId: first!.id })).appointment;
    const b = done(f.book({ startAt: berlin('2026-05-04', 10, 0), typeId: second!.id })).appointment;
    expect([a.typeName, a.colour]).toEqual([first!.name, first!.colour]);
    f.core.practice.updateType({ id: first!.id, name: 'Erstgespräch', colour: '#aa3355' });
    // A type removed on another device (a synced tombstone) still names the appointments booked with it.
    f.core.db.prepare('UPDATE appointment_types SET deleted = 1 WHERE id = ?').run(second!.id);
    const shown = f.core.agenda.day('2026-05-04', 'practitioner').appointments;
    expect(shown.map((x) => [x.id, x.typeName, x.colour])).toEqual([
      [a.id, 'Erstgespräch', '#aa3355'],
      [b.id, second!.name, second!.colour],
    ]);
    expect(f.core.agenda.get(b.id).typeName).toBe(second!.name);
  });
});
