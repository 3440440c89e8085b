/**
 * The front desk's new rules on a real SQLite file, through the same dispatcher the window uses: cancelling
 * with a reason and a notice to the patient, undoing it, the treatment state, next free slots within the
 * opening hours, a patient's appointments.
 */
import { describe, expect, it } from 'vitest';
import type { BookResult, CancelResult, FreeSlot, Message } from '../../src-preload/contract';
import { berlin, useFixtures, type Fixture } from '../harness/practiceFixture';

const fixture = useFixtures();

const done = (result: BookResult) => {
  if (result.kind !== 'done') throw new Error(`expected done, got ${result.kind}`);
  return result;
};
const messagesOf = (f: Fixture, appointmentId: string): Message[] => f.core.messages.forAppointment(appointmentId);
const value = <T>(result: { ok: boolean; value?: unknown }): T => {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.value as T;
};

describe('cancelling an appointment', () => {
  const setup = () => {
    const f = fixture();
    const patient = f.patient();
    const booked = done(f.book({ patientId: patient.id, startAt: berlin('2026-06-10', 9) }));
    return { f, patient, booked };
  };

  it('keeps the reason, withdraws the reminder, tells the patient, and undo takes all of it back', async () => {
    const { f, patient, booked } = setup();
    const id = booked.appointment.id;
    const [reminder] = messagesOf(f, id);
    expect(reminder).toMatchObject({ kind: 'reminder', status: 'scheduled' });

    const cancelled = value<CancelResult>(
      await f.call('agenda.cancel', {
        id,
        reason: 'Patientin krank',
        notice: { channel: 'sms', body: 'Guten Tag {patient.firstName}, Ihr Termin am 10.06. entfällt.' },
      }),
    );
    expect(cancelled.appointment).toMatchObject({ status: 'cancelled', cancelReason: 'Patientin krank' });
    const notice = messagesOf(f, id).find((m) => m.kind === 'free_text')!;
    expect(notice).toMatchObject({
      status: 'scheduled',
      channel: 'sms',
      recipient: patient.mobile,
      body: 'Guten Tag Anna, Ihr Termin am 10.06. entfällt.',
      scheduledAt: f.clock.now,
    });
    expect(messagesOf(f, id).find((m) => m.id === reminder!.id)!.status).toBe('cancelled');
    expect(cancelled.undo).toEqual({
      id,
      status: 'booked',
      restore: [{ id: reminder!.id, status: 'scheduled' }],
      noticeId: notice.id,
    });

    f.clock.now += 3000;
    const undone = await f.call('agenda.undoCancel', cancelled.undo);
    expect(undone).toMatchObject({
      ok: true,
      value: { appointment: { status: 'booked', cancelReason: '' }, noticeSent: false },
    });
    const after = messagesOf(f, id);
    expect(after.find((m) => m.id === reminder!.id)).toMatchObject({ status: 'scheduled', cancelledAt: null });
    expect(after.find((m) => m.id === notice.id)!.status).toBe('cancelled');
    expect(f.core.agenda.get(id).reminderAt).toBe(reminder!.scheduledAt);

    // A second undo (a double click) changes nothing.
    const outbox = f.count('outbox');
    expect(await f.call('agenda.undoCancel', cancelled.undo)).toMatchObject({
      ok: false,
      error: { code: 'invalid_state' },
    });
    expect(f.count('outbox')).toBe(outbox);
  });

  it('a notice that cannot go refuses the whole cancellation', async () => {
    const f = fixture();
    const patient = f.patient({ mobile: null, channel: 'email' });
    const booked = done(f.book({ patientId: patient.id, startAt: berlin('2026-06-10', 9) }));
    const before = [f.count('outbox'), messagesOf(f, booked.appointment.id).map((m) => m.status)];
    expect(
      await f.call('agenda.cancel', { id: booked.appointment.id, notice: { channel: 'sms', body: 'Abgesagt' } }),
    ).toMatchObject({
      ok: false,
      error: { code: 'validation', issues: [{ path: 'recipient', code: 'mobile_missing' }] },
    });
    expect(
      await f.call('agenda.cancel', {
        id: booked.appointment.id,
        notice: { channel: 'email', subject: 'Termin', body: 'Ihr {appointment.date}' },
      }),
    ).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await f.call('agenda.cancel', { id: booked.appointment.id, reason: 'x'.repeat(301) })).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    expect([f.count('outbox'), messagesOf(f, booked.appointment.id).map((m) => m.status)]).toEqual(before);
    expect(f.core.agenda.get(booked.appointment.id).status).toBe('booked');
  });

  it('undo after the notice went out restores the appointment and says the patient was told', async () => {
    const { f, booked } = setup();
    const id = booked.appointment.id;
    const cancelled = value<CancelResult>(
      await f.call('agenda.cancel', { id, notice: { channel: 'email', subject: 'Termin', body: 'Abgesagt' } }),
    );
    f.core.db.prepare("UPDATE messages SET status = 'sent' WHERE id = ?").run(cancelled.undo.noticeId);
    expect(await f.call('agenda.undoCancel', cancelled.undo)).toMatchObject({
      ok: true,
      value: { appointment: { status: 'booked' }, noticeSent: true },
    });
    expect(f.core.messages.get(cancelled.undo.noticeId!).status).toBe('sent');
    // Another appointment's message is not a notice this undo may touch.
    const other = done(f.book({ startAt: berlin('2026-06-11', 9) }));
    const second = value<CancelResult>(await f.call('agenda.cancel', { id: other.appointment.id }));
    expect(await f.call('agenda.undoCancel', { ...second.undo, noticeId: cancelled.undo.noticeId })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });
});

describe('treatment states', () => {
  it('goes booked → arrived → in treatment → done; the state syncs as a field', async () => {
    const f = fixture();
    const booked = done(f.book({ startAt: berlin('2026-06-01', 11) }));
    for (const status of ['arrived', 'in_treatment', 'done'] as const) {
      expect(await f.call('agenda.setStatus', { id: booked.appointment.id, status })).toMatchObject({
        ok: true,
        value: { status },
      });
    }
    expect(await f.call('agenda.setStatus', { id: booked.appointment.id, status: 'treating' })).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
  });
});

describe('next free slot', () => {
  it('finds free quarter hours within the opening hours, skipping booked time, closed days and the past', async () => {
    const f = fixture(); // Monday 1 June 2026, 10:00 in Berlin; open 08:00–18:00, Monday to Friday
    f.book({ startAt: berlin('2026-06-01', 10) });
    f.book({ startAt: berlin('2026-06-01', 10, 30) });
    const cancelled = done(f.book({ startAt: berlin('2026-06-01', 11) }));
    f.core.agenda.cancel({ id: cancelled.appointment.id });
    const ask = async (after: number, count = 3) =>
      value<FreeSlot[]>(
        await f.call('agenda.nextFree', { practitionerId: f.weber, typeId: f.consultation, after, count }),
      ).map((s) => [s.startAt, s.endAt - s.startAt]);

    expect(await ask(berlin('2026-05-30', 9))).toEqual([
      [berlin('2026-06-01', 11), 30 * 60_000],
      [berlin('2026-06-01', 11, 15), 30 * 60_000],
      [berlin('2026-06-01', 11, 30), 30 * 60_000],
    ]);
    // Friday 17:40: the last 30 minutes before 18:00 have passed; Saturday and Sunday are closed.
    expect((await ask(berlin('2026-06-05', 17, 40), 1))[0]![0]).toBe(berlin('2026-06-08', 8));

    f.core.practice.updatePractice({ openingDays: [6], openingStart: 9 * 60, openingEnd: 12 * 60 });
    expect((await ask(berlin('2026-06-01', 8), 1))[0]![0]).toBe(berlin('2026-06-06', 9));
    // Dr. Lind is free at once.
    expect(
      value<FreeSlot[]>(
        await f.call('agenda.nextFree', { practitionerId: f.lind, typeId: f.consultation, after: 0, count: 1 }),
      ),
    ).toEqual([{ startAt: berlin('2026-06-06', 9), endAt: berlin('2026-06-06', 9, 30) }]);
  });

  it('refuses opening hours that end before they start and an empty week, changing nothing', async () => {
    const f = fixture();
    const before = f.core.practice.practice();
    expect(before).toMatchObject({ openingStart: 480, openingEnd: 1080, openingDays: [1, 2, 3, 4, 5] });
    for (const patch of [
      { openingEnd: 400 },
      { openingStart: 600, openingEnd: 540 },
      { openingDays: [] },
      { openingDays: [1, 1] },
    ]) {
      expect(await f.call('practice.update', patch)).toMatchObject({ ok: false, error: { code: 'validation' } });
    }
    expect(f.core.practice.practice()).toEqual(before);
  });
});

describe('a patient\u2019s appointments', () => {
  it('lists them latest first with the patient\u2019s phone, not other patients\u2019', async () => {
    const f = fixture();
    const [anna, ben] = [f.patient(), f.patient()];
    const first = done(f.book({ patientId: anna.id, startAt: berlin('2026-05-20', 9) }));
    const second = done(f.book({ patientId: anna.id, startAt: berlin('2026-06-20', 9) }));
    f.book({ patientId: ben.id, startAt: berlin('2026-06-21', 9) });
    const listed = value<{ id: string; patientPhone: string }[]>(await f.call('agenda.forPatient', { id: anna.id }));
    expect(listed.map((a) => a.id)).toEqual([second.appointment.id, first.appointment.id]);
    expect(listed[0]!.patientPhone).toBe(anna.mobile);
    expect(await f.call('agenda.forPatient', { id: '01900000-0000-7000-8000-000000000000' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });
});

describe('deactivating practitioners, rooms and types', () => {
  it('keeps their appointments but offers them for no new booking; the last type cannot go', async () => {
    const f = fixture();
    const kept = done(f.book({ startAt: berlin('2026-06-02', 9), practitionerId: f.lind }));
    const room = f.core.practice.createRoom({ name: 'Raum 2' });
    expect(await f.call('practitioners.setActive', { id: f.lind, active: false })).toMatchObject({
      ok: true,
      value: { active: false },
    });
    expect(await f.call('rooms.setActive', { id: room.id, active: false })).toMatchObject({ ok: true });
    expect(f.core.agenda.get(kept.appointment.id).practitionerId).toBe(f.lind); // history stays

    const outbox = f.count('outbox');
    for (const input of [{ practitionerId: f.lind }, { roomId: room.id }]) {
      expect(
        await f.call('agenda.book', {
          practitionerId: f.weber,
          typeId: f.consultation,
          startAt: berlin('2026-06-03', 9),
          ...input,
        }),
      ).toMatchObject({ ok: false, error: { code: 'validation', issues: [{ code: 'inactive' }] } });
    }
    expect(f.count('outbox')).toBe(outbox); // refused: nothing written
    const moved = done(f.book({ startAt: berlin('2026-06-04', 9) }));
    const beforeMove = f.count('outbox');
    expect(
      await f.call('agenda.move', {
        id: moved.appointment.id,
        startAt: berlin('2026-06-04', 10),
        practitionerId: f.lind,
      }),
    ).toMatchObject({ ok: false, error: { issues: [{ code: 'inactive' }] } });
    expect(f.count('outbox')).toBe(beforeMove);
    // An appointment of the deactivated practitioner can still be moved in time.
    expect(
      await f.call('agenda.move', { id: kept.appointment.id, startAt: berlin('2026-06-02', 11), allowOverlap: true }),
    ).toMatchObject({ ok: true });

    // Types: the last active one stays.
    const types = f.core.practice.types();
    expect(await f.call('appointmentTypes.setActive', { id: types[0]!.id, active: false })).toMatchObject({ ok: true });
    expect(await f.call('appointmentTypes.setActive', { id: types[1]!.id, active: false })).toMatchObject({
      ok: false,
      error: { issues: [{ path: 'active', code: 'last_active' }] },
    });
    expect(await f.call('practitioners.setActive', { id: f.lind, active: true })).toMatchObject({ ok: true });
    expect(await f.call('rooms.update', { id: room.id, name: 'Raum 2 (klein)' })).toMatchObject({
      ok: true,
      value: { name: 'Raum 2 (klein)', active: false },
    });
  });
});

describe('salutation', () => {
  it('is kept with the patient (default neutral), changed by an update, and written by the placeholder', async () => {
    const f = fixture();
    const plain = f.patient();
    expect(plain.salutation).toBe('neutral');
    const created = await f.call('patients.create', {
      firstName: 'Eva',
      lastName: 'Stein',
      birthDate: null,
      mobile: '0171 2345699',
      email: null,
      language: 'de',
      channel: 'sms',
      optOutSms: false,
      optOutEmail: false,
      notes: '',
      salutation: 'female',
    });
    expect(created).toMatchObject({ ok: true, value: { salutation: 'female' } });
    const id = (created.value as { id: string }).id;
    expect(await f.call('patients.update', { id, salutation: 'other' })).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    const message = f.core.messages.compose({
      channel: 'sms',
      patient: f.core.patients.get(id),
      recipient: null,
      subject: '',
      body: 'Guten Tag {patient.salutation}',
      scheduledAt: null,
      tenantId: null,
    });
    expect(message.body).toBe('Guten Tag Frau Stein');
    expect(await f.call('patients.update', { id, salutation: 'neutral' })).toMatchObject({
      ok: true,
      value: { salutation: 'neutral' },
    });
  });
});
