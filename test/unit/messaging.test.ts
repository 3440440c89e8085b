import { SegmentedMessage } from 'sms-segments-calculator';
import splitSms from 'split-sms';
import { describe, expect, it } from 'vitest';
import { placeholdersFor, PLACEHOLDERS } from '../../src-preload/contract';
import { renderTemplate, unknownPlaceholders } from '../../src-main/core/messaging/placeholders';
import { beforeQuietHours, isQuiet, outsideQuietHours } from '../../protocol/messaging/quietHours';
import { countSms, creditsFor, unicodeCharacters } from '../../protocol/messaging/smsSegments';
import { addDays, atLocal, localDate, weekStart } from '../../protocol/messaging/timeZone';
import { normaliseMobile } from '../../src-main/core/practice/phone';
import { searchTerms } from '../../src-main/core/practice/patientService';
import deDefaults from '../../src-main/core/i18n/locales/de/defaults.json';
import enDefaults from '../../src-main/core/i18n/locales/en/defaults.json';
import svDefaults from '../../src-main/core/i18n/locales/sv/defaults.json';
import daDefaults from '../../src-main/core/i18n/locales/da/defaults.json';

describe('SMS segments', () => {
  it('GSM-7: 160 in one part, then 153 per part', () => {
    expect(countSms('')).toMatchObject({ segments: 0, units: 0 });
    // GSM-7 has ü, ß, é and € (extension table); not ő, ç or emoji (3GPP TS 23.038 tables 6.2.1 and 6.2.1.1).
    expect(unicodeCharacters('Grüße, café, 5 € – ő ç 😀 ő')).toEqual(['–', 'ő', 'ç', '😀']);
    expect(unicodeCharacters('Grüße, café, 5 €')).toEqual([]);
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

  // Two independent implementations: Twilio's calculator and split-sms. A gateway that splits between code
  // points charges what they count; one that keeps grapheme clusters whole may charge more. The preview
  // must never be below either.
  const clusters = new Intl.Segmenter('en', { granularity: 'grapheme' });
  const references = (text: string) => [new SegmentedMessage(text).segmentsCount, splitSms.split(text).parts.length];

  it('keeps grapheme clusters (family, flag, skin tone, combining accent) whole, so it never counts fewer parts than a gateway', () => {
    const family = '👨‍👩‍👧'; // 8 UTF-16 units, 5 code points, one cluster
    // Each text: a code-point splitter (split-sms) fits it in 2 parts by cutting the cluster at the
    // end of part one; kept whole, the cluster moves to part two, which then overflows into a third.
    const texts = [
      `${'ł'.repeat(62)}${family}${'ł'.repeat(60)}`,
      `${'ł'.repeat(65)}🇨🇭${'ł'.repeat(64)}`,
      `${'ł'.repeat(65)}👍🏽${'ł'.repeat(64)}`,
      `${'ł'.repeat(66)}e\u0301${'ł'.repeat(66)}`,
    ];
    for (const text of texts) {
      expect(splitSms.split(text).parts.length, text).toBe(2);
      expect(countSms(text), text).toMatchObject({ encoding: 'ucs2', segments: 3 });
      expect(3, text).toBeGreaterThanOrEqual(Math.max(...references(text)));
    }
    // Twilio's calculator keeps the family whole, as we do: the preview meets what such a gateway charges.
    expect(new SegmentedMessage(texts[0]!).segmentsCount).toBe(3);
    const text = texts[0]!;
    // The SMS is billed per part: what the preview shows is what the gateway charges at most.
    expect(creditsFor('sms', text)).toBe(3);
  });

  it('agrees with two independent libraries on texts without multi-character clusters, and never counts below them', () => {
    const alphabet = ['a', 'Z', ' ', '€', '[', 'ä', 'ł', 'ß', '😀', '🇨🇭', '👨‍👩‍👧', '👍🏽', 'e\u0301', '\n', 'Ω', '中'];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 500; run += 1) {
      const length = 1 + Math.floor(random() * 400);
      const text = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const ours = countSms(text).segments;
      expect(ours, JSON.stringify(text)).toBeGreaterThanOrEqual(Math.max(...references(text)));
      // Where every cluster is one code point, cutting between code points and between clusters agree.
      const simple = [...clusters.segment(text)].every(({ segment }) => [...segment].length === 1);
      if (simple && text.length > 0) expect(ours, JSON.stringify(text)).toBe(splitSms.split(text).parts.length);
    }
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

  it('finds the last allowed minute before the quiet period, for a reminder that must come before its appointment', () => {
    expect(beforeQuietHours(berlin('2026-06-15', 5, 30), quiet)).toBe(berlin('2026-06-14', 19, 59));
    expect(beforeQuietHours(berlin('2026-06-16', 20), quiet)).toBe(berlin('2026-06-16', 19, 59));
    expect(beforeQuietHours(berlin('2026-06-16', 23, 59), quiet)).toBe(berlin('2026-06-16', 19, 59));
    expect(beforeQuietHours(berlin('2026-06-16', 12), quiet)).toBe(berlin('2026-06-16', 12));
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

  const all = PLACEHOLDERS;

  it('addresses the patient as chosen: Frau/Herr and Ms/Mr with the last name, by name otherwise', () => {
    const as = (salutation: 'neutral' | 'female' | 'male', language: string) =>
      renderTemplate('{patient.salutation}', { ...ctx, language, patient: { ...ctx.patient, salutation } }, all).text;
    expect(as('female', 'de')).toBe('Frau Berg');
    expect(as('male', 'de')).toBe('Herr Berg');
    expect(as('female', 'en')).toBe('Ms Berg');
    expect(as('neutral', 'de')).toBe('Anna Berg');
    // Swedish and Danish messages address by name.
    expect(as('female', 'sv')).toBe('Anna Berg');
    expect(as('male', 'da')).toBe('Anna Berg');
    expect(renderTemplate('{patient.salutation}', ctx, all).text).toBe('Anna Berg');
  });

  it('fills real values, formatted in the language and practice time', () => {
    expect(
      renderTemplate(
        '{patient.firstName} {patient.lastName}: {appointment.weekday}, {appointment.date} {appointment.time} – {practitioner.name}, {practice.name}',
        ctx,
        all,
      ),
    ).toEqual({ text: 'Anna Berg: Mittwoch, 10.06.2026 09:30 – Dr. Weber, Praxis am Park', problems: [] });
    // English in a European practice: day first (en-GB, issue 15); month first only in North America.
    expect(renderTemplate('{appointment.date}', { ...ctx, language: 'en' }, all).text).toBe('10/06/2026');
    expect(renderTemplate('{appointment.date}', { ...ctx, language: 'en', country: 'US' }, all).text).toBe(
      '06/10/2026',
    );
    // Swiss German: no ß in what the patient reads.
    expect(renderTemplate('Grüße, {practice.name}', { ...ctx, country: 'CH' }, all).text).not.toContain('ß');
    expect(renderTemplate('{appointment.weekday}', { ...ctx, language: 'sv' }, all).text).toBe('onsdag');
  });

  it('reports placeholders that do not exist and values that are missing or empty, and leaves them visible', () => {
    expect(renderTemplate('{patient.shoeSize} {recall.reason} { patient.firstName }', ctx, all)).toEqual({
      text: '{patient.shoeSize} {recall.reason} Anna',
      problems: [
        { code: 'placeholder_unknown', placeholder: 'patient.shoeSize' },
        { code: 'placeholder_missing', placeholder: 'recall.reason' },
      ],
    });
    const nameless = { ...ctx, practice: { name: '', phone: ' ' } };
    expect(renderTemplate('Best wishes from everyone at {practice.name}.', nameless, all).problems).toEqual([
      { code: 'placeholder_missing', placeholder: 'practice.name' },
    ]);
  });

  it('offers each kind only the placeholders it has a value for', () => {
    expect(placeholdersFor('reminder')).toContain('appointment.time');
    expect(placeholdersFor('recall')).not.toContain('appointment.time');
    expect(placeholdersFor('recall')).toContain('recall.reason');
    expect(placeholdersFor('birthday')).not.toContain('practitioner.name');
    expect(placeholdersFor('free_text')).not.toContain('appointment.date');
    expect(placeholdersFor('free_text', false)).toEqual(['practice.name', 'practice.phone']);
    // An appointment placeholder in a birthday greeting is unknown to it, not silently empty.
    expect(renderTemplate('{appointment.date}', ctx, placeholdersFor('birthday')).problems).toEqual([
      { code: 'placeholder_unknown', placeholder: 'appointment.date' },
    ]);
    expect(unknownPlaceholders('{patient.firstName} {recall.reason} {x.y}', placeholdersFor('reminder'))).toEqual([
      'recall.reason',
      'x.y',
    ]);
  });
});

describe('default templates', () => {
  const KINDS = ['reminder', 'confirmation', 'recall', 'birthday'] as const;
  const all = { de: deDefaults, en: enDefaults, sv: svDefaults, da: daDefaults };

  it('use only their kind’s placeholders, and one SMS part for a typical patient and practice', () => {
    for (const [language, defaults] of Object.entries(all))
      for (const kind of KINDS)
        for (const field of ['sms', 'subject', 'email'] as const) {
          const text = defaults[kind][field];
          expect(unknownPlaceholders(text, placeholdersFor(kind)), `${language} ${kind} ${field}`).toEqual([]);
          if (field !== 'sms') continue;
          const sms = renderTemplate(
            text,
            {
              language,
              timeZone: 'Europe/Berlin',
              country: 'DE',
              patient: { firstName: 'Charlotte', lastName: 'Hoffmann-Berg', salutation: 'female' },
              appointment: { startAt: Date.UTC(2026, 8, 30, 7, 30) },
              practitioner: { name: 'Dr. Weber' },
              practice: { name: 'Praxis am Stadtpark', phone: '030 1234567' },
              recall: { reason: 'Kontrolle' },
            },
            placeholdersFor(kind),
          );
          expect(sms.problems, `${language} ${kind}`).toEqual([]);
          expect(countSms(sms.text).segments, `${language} ${kind}: ${sms.text}`).toBe(1);
        }
  });

  it('German: formal address (Sie) throughout, and no article bound to the practice’s name', () => {
    for (const kind of KINDS)
      for (const field of ['sms', 'subject', 'email'] as const) {
        const text = deDefaults[kind][field];
        // "du", "dich", "dein…", "euch" would switch to informal address; a first name alone reads informal too.
        expect(text, `${kind} ${field}`).not.toMatch(/\b(du|dich|dir|dein\w*|euch|euer\w*)\b/i);
        expect(text, `${kind} ${field}`).not.toMatch(/(Hallo|Liebe\(?r?\)?) \{patient\.firstName\}/);
        // "vom Team der {practice.name}" is wrong for "Zahnarzt Müller" or "Dr. med. Berg": the name stands alone.
        expect(text, `${kind} ${field}`).not.toMatch(/\b(der|die|das|dem|den|des) \{practice\.name\}/i);
        if (field !== 'subject') expect(text, `${kind} ${field}`).toMatch(/\{patient\.salutation\}/);
      }
  });
});

describe('phone numbers', () => {
  it('stores mobiles as E.164 with the practice country', () => {
    expect(normaliseMobile('0171 2345678', 'DE')).toEqual({ ok: true, e164: '+491712345678' });
    expect(normaliseMobile('+46 70 123 45 67', 'DE')).toEqual({ ok: true, e164: '+46701234567' });
    expect(normaliseMobile('20 12 34 56', 'DK')).toEqual({ ok: true, e164: '+4520123456' });
  });

  it('accepts "fixed line or mobile" where the numbering plan cannot tell them apart', () => {
    expect(normaliseMobile('+1 201 555 0123', 'DE')).toEqual({ ok: true, e164: '+12015550123' });
  });

  // Types per Google's libphonenumber metadata: none of these can be relied on to receive an SMS.
  it.each([
    ['voicemail access', '+41860123456789', 'CH'],
    ['business (UAN)', '+41 58 123 45 67', 'CH'],
    ['pager', '07640 123456', 'GB'],
    ['personal number', '0700 12345678', 'DE'],
    ['VoIP', '0561 234 5678', 'GB'],
    ['toll-free', '+45 80 12 34 56', 'DK'],
    ['premium rate', '0900 1234567', 'DE'],
  ])('refuses a %s number as a mobile', (_type, number, country) => {
    expect(normaliseMobile(number, country)).toEqual({ ok: false, code: 'phone_not_mobile' });
  });

  it('refuses landlines and nonsense', () => {
    expect(normaliseMobile('030 1234567', 'DE')).toEqual({ ok: false, code: 'phone_not_mobile' });
    expect(normaliseMobile('08 123 456 78', 'SE')).toEqual({ ok: false, code: 'phone_not_mobile' });
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
    expect(searchTerms('Mueller 1.3.48', 2026)).toEqual({
      phrases: ['("Mueller" OR "Muller")', '"01.03.1948"'],
      shortWords: [],
    });
    expect(searchTerms('1.3.05', 2026).phrases).toEqual(['"01.03.2005"']);
    expect(searchTerms('31.13.2000', 2026).phrases).toEqual(['"31.13.2000"']); // not a date: as typed
  });
});
