import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src-main/core/messaging/placeholders';
import { isQuiet, outsideQuietHours } from '../../src-main/core/messaging/quietHours';
import { countSms, creditsFor } from '../../src-main/core/messaging/smsSegments';
import { addDays, atLocal, localDate, weekStart } from '../../src-main/core/messaging/timeZone';
import { normaliseMobile } from '../../src-main/core/practice/phone';
import { searchTerms } from '../../src-main/core/practice/patientService';

describe('SMS segments', () => {
  it('GSM-7: 160 in one part, then 153 per part', () => {
    expect(countSms('')).toMatchObject({ segments: 0, units: 0 });
    expect(countSms('a'.repeat(160))).toMatchObject({ encoding: 'gsm7', segments: 1, units: 160, remaining: 0 });
    expect(countSms('a'.repeat(161))).toMatchObject({ segments: 2, remaining: 153 * 2 - 161 });
    expect(countSms('a'.repeat(306))).toMatchObject({ segments: 2 });
    expect(countSms('a'.repeat(307))).toMatchObject({ segments: 3 });
    expect(countSms('Grüße aus Köln, Ærø & Øresund: 50 £ / 10 ¥ §')).toMatchObject({ encoding: 'gsm7' });
  });

  it('counts the extension characters € [ ] { } \\ ^ ~ | as two, never split across parts', () => {
    for (const char of ['€', '[', ']', '{', '}', '\\', '^', '~', '|']) {
      expect(countSms(char), char).toMatchObject({ encoding: 'gsm7', units: 2 });
    }
    expect(countSms('€'.repeat(80))).toMatchObject({ segments: 1, units: 160 });
    expect(countSms('€'.repeat(81))).toMatchObject({ segments: 2, units: 162 });
    // 152 plain characters then one '€': the pair does not fit in part one's last septet.
    expect(countSms(`${'a'.repeat(152)}€${'a'.repeat(10)}`)).toMatchObject({ segments: 2, remaining: 153 - 12 });
  });

  it('switches to UCS-2 as soon as one character is outside GSM-7', () => {
    expect(countSms('Zażółć')).toMatchObject({ encoding: 'ucs2', units: 6, segments: 1 });
    expect(countSms('ł'.repeat(70))).toMatchObject({ encoding: 'ucs2', segments: 1 });
    expect(countSms('ł'.repeat(71))).toMatchObject({ encoding: 'ucs2', segments: 2, remaining: 67 * 2 - 71 });
    expect(countSms(`${'a'.repeat(159)}ł`)).toMatchObject({ encoding: 'ucs2', segments: 3 });
  });

  it('counts an emoji as two UTF-16 units and keeps it whole', () => {
    expect(countSms('Hi 😀')).toMatchObject({ encoding: 'ucs2', units: 5, segments: 1 });
    expect(countSms('😀'.repeat(35))).toMatchObject({ units: 70, segments: 1 });
    expect(countSms('😀'.repeat(36))).toMatchObject({ units: 72, segments: 2 });
    // 66 units then an emoji: it moves whole into part two.
    expect(countSms(`${'ł'.repeat(66)}😀${'ł'.repeat(5)}`)).toMatchObject({ segments: 2, remaining: 67 - 7 });
  });

  it('charges one credit per SMS part and none for e-mail', () => {
    expect(creditsFor('sms', 'a'.repeat(161))).toBe(2);
    expect(creditsFor('email', 'a'.repeat(5000))).toBe(0);
  });
});

describe('quiet hours', () => {
  const quiet = { start: 20 * 60, end: 8 * 60, timeZone: 'Europe/Berlin' };
  const berlin = (date: string, hh: number, mm = 0) => atLocal(date, hh * 60 + mm, 'Europe/Berlin');

  it('moves a message planned in the evening to 08:00 the next morning', () => {
    expect(isQuiet(berlin('2026-06-10', 21, 30), quiet)).toBe(true);
    expect(outsideQuietHours(berlin('2026-06-10', 21, 30), quiet)).toBe(berlin('2026-06-11', 8));
    expect(outsideQuietHours(berlin('2026-06-10', 20), quiet)).toBe(berlin('2026-06-11', 8));
  });

  it('moves one planned after midnight to 08:00 the same day', () => {
    expect(outsideQuietHours(berlin('2026-06-11', 2, 15), quiet)).toBe(berlin('2026-06-11', 8));
  });

  it('leaves daytime messages alone, and respects the end minute', () => {
    expect(outsideQuietHours(berlin('2026-06-11', 8), quiet)).toBe(berlin('2026-06-11', 8));
    expect(outsideQuietHours(berlin('2026-06-11', 19, 59), quiet)).toBe(berlin('2026-06-11', 19, 59));
  });

  it('counts in practice time across a DST change', () => {
    // Night of 28/29 March 2026: clocks go forward in Berlin.
    const moved = outsideQuietHours(berlin('2026-03-28', 23), quiet);
    expect(moved).toBe(berlin('2026-03-29', 8));
    expect(new Date(moved).toISOString()).toBe('2026-03-29T06:00:00.000Z');
  });

  it('supports a quiet period within one day, and none', () => {
    const midday = { start: 12 * 60, end: 14 * 60, timeZone: 'Europe/Stockholm' };
    const at = atLocal('2026-06-10', 13 * 60, 'Europe/Stockholm');
    expect(outsideQuietHours(at, midday)).toBe(atLocal('2026-06-10', 14 * 60, 'Europe/Stockholm'));
    expect(outsideQuietHours(at, { ...midday, start: 0, end: 0 })).toBe(at);
  });
});

describe('time zone helpers', () => {
  it('finds local dates, days and ISO weeks', () => {
    const t = Date.UTC(2026, 0, 1, 23, 30);
    expect(localDate(t, 'Europe/Berlin')).toBe('2026-01-02');
    expect(localDate(t, 'UTC')).toBe('2026-01-01');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(weekStart('2026-11-22')).toBe('2026-11-16');
    expect(weekStart('2026-11-16')).toBe('2026-11-16');
  });
});

describe('placeholders', () => {
  const ctx = {
    language: 'de',
    timeZone: 'Europe/Berlin',
    patient: { firstName: 'Anna', lastName: 'Berg' },
    appointment: { startAt: Date.UTC(2026, 5, 10, 7, 30), typeName: 'Sprechstunde' },
    practitioner: { name: 'Dr. Weber' },
    practice: { name: 'Praxis am Park', phone: '+49 30 123456' },
  };

  it('fills real values, formatted in the language and practice time', () => {
    expect(
      renderTemplate(
        '{patient.firstName} {patient.lastName}: {appointment.weekday}, {appointment.date} {appointment.time} – {practitioner.name}, {practice.name}',
        ctx,
      ),
    ).toBe('Anna Berg: Mittwoch, 10.06.2026 09:30 – Dr. Weber, Praxis am Park');
    expect(renderTemplate('{appointment.date}', { ...ctx, language: 'en' })).toBe('06/10/2026');
    expect(renderTemplate('{appointment.weekday}', { ...ctx, language: 'sv' })).toBe('onsdag');
  });

  it('leaves unknown or empty placeholders visible', () => {
    expect(renderTemplate('{patient.shoeSize} {recall.reason}', ctx)).toBe('{patient.shoeSize} {recall.reason}');
  });
});

describe('phone numbers', () => {
  it('stores mobiles as E.164 with the practice country', () => {
    expect(normaliseMobile('0171 2345678', 'DE')).toEqual({ ok: true, e164: '+491712345678' });
    expect(normaliseMobile('+46 70 123 45 67', 'DE')).toEqual({ ok: true, e164: '+46701234567' });
    expect(normaliseMobile('20 12 34 56', 'DK')).toEqual({ ok: true, e164: '+4520123456' });
  });

  it('refuses landlines and nonsense', () => {
    expect(normaliseMobile('030 1234567', 'DE')).toEqual({ ok: false, code: 'phone_landline' });
    expect(normaliseMobile('08 123 456 78', 'SE')).toEqual({ ok: false, code: 'phone_landline' });
    expect(normaliseMobile('12', 'DE')).toEqual({ ok: false, code: 'phone_invalid' });
    expect(normaliseMobile('call me', 'DE')).toEqual({ ok: false, code: 'phone_invalid' });
  });
});

describe('patient search terms', () => {
  it('turns words into safe phrases and phone numbers into digits', () => {
    expect(searchTerms('Müller 17.05.1980')).toEqual({ phrases: ['"Müller"', '"17.05.1980"'], shortWords: [] });
    expect(searchTerms('0171 234')).toEqual({ phrases: ['"171"', '"234"'], shortWords: [] });
    expect(searchTerms('+49171')).toEqual({ phrases: ['"49171"'], shortWords: [] });
    expect(searchTerms('a" OR 1')).toEqual({ phrases: [], shortWords: ['a', 'OR', '1'] });
    expect(searchTerms('"NEAR(x y)"')).toEqual({ phrases: ['"NEAR(x"'], shortWords: ['y)'] });
  });
});
