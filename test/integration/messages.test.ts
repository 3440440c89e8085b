/** Recalls, birthday greetings, free-text messages and the cost preview, on a real SQLite file. */
import { describe, expect, it } from 'vitest';
import { berlin, useFixtures } from '../harness/practiceFixture';

const fixture = useFixtures();

describe('recalls', () => {
  it('produces a recall message for each due recall, once, and marks it sent', async () => {
    const f = fixture(berlin('2026-06-01', 9));
    const due = f.patient();
    const later = f.patient();
    const mailOnly = f.patient({ channel: 'email' });
    const unreachable = f.patient({ channel: 'none' });
    const dueRecall = await f.call('recalls.create', {
      patientId: due.id,
      dueDate: '2026-05-30',
      reason: 'Zahnreinigung',
    });
    expect(dueRecall).toMatchObject({ ok: true, value: { status: 'open', patientName: `Anna ${due.lastName}` } });
    f.core.recalls.create({ patientId: later.id, dueDate: '2026-07-01', reason: 'Kontrolle' });
    f.core.recalls.create({ patientId: mailOnly.id, dueDate: '2026-06-01', reason: 'Impfung' });
    f.core.recalls.create({ patientId: unreachable.id, dueDate: '2026-06-01', reason: 'Impfung' });

    expect(await f.call('recalls.runDue')).toEqual({ ok: true, value: { created: 2 } });
    const recallMessages = f.core.messages.list({ statuses: [], kinds: ['recall'], limit: 10 });
    expect(recallMessages.map((m) => [m.patientId, m.channel]).sort()).toEqual(
      [
        [due.id, 'sms'],
        [mailOnly.id, 'email'],
      ].sort(),
    );
    expect(recallMessages.find((m) => m.channel === 'sms')!.body).toContain('(Zahnreinigung)');
    expect(recallMessages.find((m) => m.channel === 'email')!.subject).toBe('Zeit für Ihren nächsten Besuch');
    const statuses = Object.fromEntries(f.core.recalls.list().map((r) => [r.patientId, r.status]));
    expect(statuses).toEqual({ [due.id]: 'sent', [later.id]: 'open', [mailOnly.id]: 'sent', [unreachable.id]: 'open' });

    expect(f.core.recalls.runDue()).toBe(0);
    f.clock.now = berlin('2026-07-01', 12);
    expect(f.core.recalls.runDue()).toBe(1);
  });

  it('refuses recalls for unknown patients or with bad dates', async () => {
    const f = fixture();
    expect(
      await f.call('recalls.create', {
        patientId: '01900000-0000-7000-8000-000000000000',
        dueDate: '2026-06-01',
        reason: 'x',
      }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(
      await f.call('recalls.create', { patientId: f.patient().id, dueDate: '1.6.2026', reason: 'x' }),
    ).toMatchObject({ ok: false, error: { issues: [{ path: 'dueDate', code: 'date_invalid' }] } });
  });
});

describe('birthday greetings', () => {
  it('go out once a day at the practice time, to those who did not opt out', () => {
    const f = fixture(berlin('2026-05-17', 7));
    const birthday = f.patient({ birthDate: '1980-05-17' });
    f.patient({ birthDate: '1980-05-17', optOutSms: true });
    f.patient({ birthDate: '1980-05-18' });
    const english = f.patient({ birthDate: '2001-05-17', language: 'en', channel: 'email' });

    expect(f.core.scheduler.tick()).toBe(0); // 07:00: before the 10:00 greeting time
    f.clock.now = berlin('2026-05-17', 10, 1);
    expect(f.core.scheduler.tick()).toBe(2);
    const greetings = f.core.messages.list({ statuses: [], kinds: ['birthday'], limit: 10 });
    expect(greetings.map((m) => m.patientId).sort()).toEqual([birthday.id, english.id].sort());
    expect(greetings.find((m) => m.patientId === birthday.id)!.body).toBe(
      `Alles Gute zum Geburtstag, Anna ${birthday.lastName}! Herzliche Grüße, Praxis am Park`,
    );
    expect(greetings.find((m) => m.patientId === english.id)!.subject).toBe('Happy birthday!');

    f.clock.now = berlin('2026-05-17', 18);
    expect(f.core.scheduler.tick()).toBe(0); // once a day
    f.core.practice.updatePractice({ birthdayEnabled: false });
    f.clock.now = berlin('2027-05-17', 11);
    expect(f.core.recalls.runBirthdays()).toBe(0);
    f.core.practice.updatePractice({ birthdayEnabled: true });
    expect(f.core.recalls.runBirthdays()).toBe(2); // a new year
  });

  it('greets those born on 29 February on the 28th in common years', () => {
    const f = fixture(berlin('2027-02-28', 12));
    f.patient({ birthDate: '2000-02-29' });
    expect(f.core.recalls.runBirthdays()).toBe(1);
  });

  it('belong to the birthday: a run after the quiet hours began never greets the next day, and 31 December does not block the next year', () => {
    const f = fixture(berlin('2026-12-31', 7));
    f.core.practice.updatePractice({ birthdayMinute: 20 * 60 + 30 });
    const sms = f.patient({ birthDate: '1970-12-31' });
    const mail = f.patient({ birthDate: '1970-12-31', channel: 'email' });
    f.clock.now = berlin('2026-12-31', 20, 31);
    expect(f.core.recalls.runBirthdays()).toBe(1); // the e-mail; the SMS has no allowed time left today
    const greetings = () => f.core.messages.list({ statuses: [], kinds: ['birthday'], limit: 10 });
    expect(greetings().find((m) => m.patientId === mail.id)).toMatchObject({
      status: 'scheduled',
      scheduledAt: berlin('2026-12-31', 20, 31),
    });
    expect(greetings().find((m) => m.patientId === sms.id)).toMatchObject({
      status: 'skipped',
      error: 'birthday_after_hours',
    });
    for (const m of greetings()) expect(m.scheduledAt).toBeLessThan(berlin('2027-01-01', 0));
    f.clock.now = berlin('2027-01-01', 9);
    expect(f.core.recalls.runBirthdays()).toBe(0);

    // A year later, at an allowed time, both are greeted again.
    f.core.practice.updatePractice({ birthdayMinute: 10 * 60 });
    f.clock.now = berlin('2027-12-31', 10, 5);
    expect(f.core.recalls.runBirthdays()).toBe(2);
  });

  it('greets on the day when the greeting time falls in the night: at the end of the quiet hours', () => {
    const f = fixture(berlin('2026-05-17', 0, 1));
    f.core.practice.updatePractice({ birthdayMinute: 0 });
    f.patient({ birthDate: '1980-05-17' });
    expect(f.core.recalls.runBirthdays()).toBe(1);
    expect(f.core.messages.list({ statuses: [], kinds: ['birthday'], limit: 1 })[0]).toMatchObject({
      status: 'scheduled',
      scheduledAt: berlin('2026-05-17', 8),
    });
  });

  it('are kept as skipped, never sent raw, while the practice has no name', () => {
    const f = fixture(berlin('2026-05-17', 10, 1));
    f.core.practice.updatePractice({ name: '' });
    f.patient({ birthDate: '1980-05-17' });
    expect(f.core.recalls.runBirthdays()).toBe(0);
    expect(f.core.messages.list({ statuses: [], kinds: ['birthday'], limit: 1 })[0]).toMatchObject({
      status: 'skipped',
      error: 'placeholder_missing:practice.name',
      credits: 0,
    });
  });
});

describe('free-text messages', () => {
  it('go to a patient from the records or to any valid number, outside quiet hours', async () => {
    const f = fixture(berlin('2026-06-01', 21));
    const patient = f.patient();
    const toPatient = await f.call('messages.compose', {
      channel: 'sms',
      patientId: patient.id,
      body: 'Hallo {patient.firstName}, Ihr Rezept liegt bereit.',
    });
    expect(toPatient).toMatchObject({
      ok: true,
      value: {
        kind: 'free_text',
        recipient: patient.mobile,
        body: 'Hallo Anna, Ihr Rezept liegt bereit.',
        status: 'scheduled',
        scheduledAt: berlin('2026-06-02', 8),
      },
    });
    const toNumber = await f.call('messages.compose', {
      channel: 'sms',
      recipient: '+46 70 123 45 67',
      body: 'Test von {practice.name}, {practice.phone}',
    });
    expect(toNumber).toMatchObject({
      ok: true,
      value: { recipient: '+46701234567', patientId: null, body: 'Test von Praxis am Park, +49 30 1234567' },
    });
    const mail = await f.call('messages.compose', {
      channel: 'email',
      patientId: patient.id,
      subject: 'Befund für {patient.fullName}',
      body: 'Ihr Befund ist da.',
    });
    expect(mail).toMatchObject({
      ok: true,
      value: { scheduledAt: f.clock.now, credits: 0, subject: `Befund für Anna ${patient.lastName}` },
    });
  });

  it('refuses placeholders that have no value for the message, and writes nothing', async () => {
    const f = fixture();
    const patient = f.patient();
    const before = [f.count('messages'), f.count('outbox') + 1]; // + the practice's phone below
    const cases = [
      // No patient behind a typed number: the patient's placeholders have nothing to fill in.
      [{ channel: 'sms', recipient: '0171 2345678', body: 'Hallo {patient.firstName}' }, 'body', 'placeholder_unknown'],
      // Free text has no appointment.
      [{ channel: 'sms', patientId: patient.id, body: 'Ihr Termin {appointment.date}' }, 'body', 'placeholder_unknown'],
      [{ channel: 'sms', patientId: patient.id, body: 'Hallo {patient.frstName}' }, 'body', 'placeholder_unknown'],
      [
        { channel: 'email', patientId: patient.id, subject: '{recall.reason}', body: 'x' },
        'subject',
        'placeholder_unknown',
      ],
    ] as const;
    for (const [input, path, code] of cases) {
      const result = await f.call('messages.compose', input);
      expect(result, input.body).toMatchObject({ ok: false, error: { code: 'validation', issues: [{ path, code }] } });
    }
    f.core.practice.updatePractice({ phone: '' });
    expect(
      await f.call('messages.compose', { channel: 'sms', patientId: patient.id, body: 'Rückruf: {practice.phone}' }),
    ).toMatchObject({
      ok: false,
      error: { issues: [{ path: 'body', code: 'placeholder_missing', params: { placeholder: 'practice.phone' } }] },
    });
    expect([f.count('messages'), f.count('outbox')]).toEqual(before);
  });

  it('refuses bad recipients and writes nothing', async () => {
    const f = fixture();
    const before = [f.count('messages'), f.count('outbox')];
    const cases = [
      [{ channel: 'sms', body: 'x' }, 'recipient_required'],
      [{ channel: 'sms', recipient: '030 1234567', body: 'x' }, 'phone_not_mobile'],
      [{ channel: 'sms', recipient: 'abc', body: 'x' }, 'phone_invalid'],
      [{ channel: 'email', recipient: 'nobody@', body: 'x' }, 'email_invalid'],
      [{ channel: 'sms', recipient: '0171 2345678', body: '' }, 'required'],
      [{ channel: 'sms', recipient: '0171 2345678', body: 'x'.repeat(1601) }, 'too_big'],
    ] as const;
    for (const [input, code] of cases) {
      const result = await f.call('messages.compose', input);
      expect(result, code).toMatchObject({ ok: false, error: { code: 'validation' } });
      expect(
        result.error!.issues!.map((i) => i.code),
        code,
      ).toContain(code);
    }
    expect([f.count('messages'), f.count('outbox')]).toEqual(before);
  });

  it('can be cancelled while scheduled, not after', async () => {
    const f = fixture();
    const message = (
      await f.call('messages.compose', {
        channel: 'sms',
        recipient: '0171 2345678',
        body: 'x',
        scheduledAt: berlin('2026-06-05', 10),
      })
    ).value as { id: string };
    expect(await f.call('messages.cancel', { id: message.id })).toMatchObject({
      ok: true,
      value: { status: 'cancelled' },
    });
    expect(await f.call('messages.cancel', { id: message.id })).toMatchObject({
      ok: false,
      error: { code: 'invalid_state' },
    });
    const listed = await f.call('messages.list', { statuses: ['cancelled'] });
    expect((listed.value as unknown[]).length).toBe(1);
  });
});

describe('preview', () => {
  it('renders real placeholder values and counts parts and credits as the user types', async () => {
    const f = fixture();
    const patient = f.patient({ firstName: 'Åsa', lastName: 'Lindqvist' });
    const gsm = await f.call('messages.preview', {
      channel: 'sms',
      body: 'Hej {patient.firstName}, välkommen till {practice.name}!',
      patientId: patient.id,
    });
    expect(gsm).toMatchObject({
      ok: true,
      value: { text: 'Hej Åsa, välkommen till Praxis am Park!', encoding: 'gsm7', segments: 1, credits: 1 },
    });
    const emoji = await f.call('messages.preview', {
      channel: 'sms',
      body: `${'a'.repeat(60)} 😀 {patient.lastName}`,
      patientId: patient.id,
    });
    expect(emoji).toMatchObject({
      ok: true,
      value: { encoding: 'ucs2', units: 60 + 1 + 2 + 1 + 9, segments: 2, credits: 2 },
    });
    const euro = await f.call('messages.preview', { channel: 'sms', body: '€'.repeat(81) });
    expect(euro).toMatchObject({ ok: true, value: { encoding: 'gsm7', units: 162, segments: 2 } });
    const mail = await f.call('messages.preview', { channel: 'email', body: 'x'.repeat(400) });
    expect(mail).toMatchObject({ ok: true, value: { segments: 0, credits: 0 } });
  });

  it('shows sample appointment values when a template is previewed without an appointment', async () => {
    const f = fixture(berlin('2026-06-01', 10));
    const preview = await f.call('messages.preview', {
      channel: 'sms',
      kind: 'reminder',
      language: 'de',
      body: '{patient.firstName}: {appointment.date} {appointment.time} bei {practitioner.name}',
    });
    expect(preview).toMatchObject({ ok: true, value: { text: 'Anna: 02.06.2026 09:30 bei Dr. Lind', problems: [] } });
  });

  it('previews free text exactly as it will be stored: no sample appointment, problems listed', async () => {
    const f = fixture(berlin('2026-06-01', 10));
    const patient = f.patient();
    const preview = await f.call('messages.preview', {
      channel: 'sms',
      body: '{patient.firstName}: {appointment.date}',
      patientId: patient.id,
    });
    expect(preview).toMatchObject({
      ok: true,
      value: {
        text: 'Anna: {appointment.date}',
        problems: [{ code: 'placeholder_unknown', placeholder: 'appointment.date' }],
      },
    });
    const stored = await f.call('messages.compose', {
      channel: 'sms',
      patientId: patient.id,
      body: '{patient.firstName}: {appointment.date}',
    });
    expect(stored).toMatchObject({ ok: false, error: { code: 'validation' } });
  });

  it('refuses a template with a placeholder its kind does not have', async () => {
    const f = fixture();
    const before = f.count('outbox');
    for (const [kind, body] of [
      ['birthday', 'Alles Gute! Ihr Termin: {appointment.date}'],
      ['recall', '{practitioner.name} erwartet Sie'],
      ['reminder', 'Grund: {recall.reason}'],
    ] as const) {
      expect(await f.call('templates.save', { kind, channel: 'sms', language: 'de', body }), kind).toMatchObject({
        ok: false,
        error: { code: 'validation', issues: [{ path: 'body', code: 'placeholder_unknown' }] },
      });
    }
    expect(f.count('outbox')).toBe(before);
  });

  it('saves templates per kind, channel and language and uses them for the next reminder', async () => {
    const f = fixture();
    const saved = await f.call('templates.save', {
      kind: 'reminder',
      channel: 'sms',
      language: 'de',
      body: 'Termin {appointment.date} {appointment.time}',
    });
    expect(saved).toMatchObject({ ok: true, value: { kind: 'reminder', language: 'de' } });
    expect(f.count('templates')).toBe(32);
    const result = f.book({ patientId: f.patient().id, startAt: berlin('2026-06-10', 9) });
    expect(result.kind === 'done' && result.messages[0]!.body).toBe('Termin 10.06.2026 09:00');
  });
});
