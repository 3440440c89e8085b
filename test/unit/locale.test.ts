/**
 * Regional formats: the locale chosen for a language and country, checked against what Intl (ICU's CLDR
 * data) writes for it — English in Europe with the day first, German in Switzerland without ß.
 */
import { describe, expect, it } from 'vitest';
import { intlLocale, keepAsWritten, regionalText } from '../../protocol/locale';
import { shellStrings } from '../../src-main/core/i18n/shellStrings';
import { renderTemplate } from '../../src-main/core/messaging/placeholders';

const day = Date.UTC(2026, 11, 1, 12); // 1 December 2026
const short = (locale: string) =>
  new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(day);

describe('regional formats', () => {
  it('writes English dates day first in Europe and month first in the United States', () => {
    expect(short(intlLocale('en', 'DE'))).toBe('01/12/2026');
    expect(short(intlLocale('en', 'SE'))).toBe('01/12/2026');
    expect(short(intlLocale('en', null))).toBe('01/12/2026');
    expect(short(intlLocale('en', 'US'))).toBe('12/01/2026');
  });

  it('follows the country for German, Swedish and Danish', () => {
    expect(intlLocale('de', 'CH')).toBe('de-CH');
    expect(intlLocale('de', 'AT')).toBe('de-AT');
    expect(intlLocale('de', 'DE')).toBe('de-DE');
    expect(intlLocale('sv', 'FI')).toBe('sv-FI');
    expect(short(intlLocale('de', 'CH'))).toBe('01.12.2026');
    expect(short(intlLocale('da', 'DK'))).toBe('01.12.2026');
    // Swiss German groups thousands with an apostrophe (Node's ICU), German with a dot.
    expect(new Intl.NumberFormat(intlLocale('de', 'CH')).format(1234567)).toBe("1'234'567");
    expect(new Intl.NumberFormat(intlLocale('de', 'DE')).format(1234567)).toBe('1.234.567');
  });

  it('writes Swiss German without ß, and leaves other languages and countries alone', () => {
    expect(regionalText('Mit freundlichen Grüßen, Praxis an der Hauptstraße', 'de', 'CH')).toBe(
      'Mit freundlichen Grüssen, Praxis an der Hauptstrasse',
    );
    expect(regionalText('Grüße', 'de', 'DE')).toBe('Grüße');
    expect(regionalText('Grüße', 'sv', 'CH')).toBe('Grüße');
  });

  it('keeps names as written: only the translation around them is respelt', () => {
    expect(regionalText(`Grüße an ${keepAsWritten('Jörg Strauß')} aus der Weißgasse`, 'de', 'CH')).toBe(
      'Grüsse an Jörg Strauß aus der Weissgasse',
    );
    // The marks never stay in a text, also where nothing is respelt.
    expect(regionalText(`Hej ${keepAsWritten('Åsa')}`, 'sv', 'SE')).toBe('Hej Åsa');
    // A message: the template respelt, the patient's and practice's names as written.
    const sms = renderTemplate(
      'Grüß Gott {patient.salutation}, Ihr Termin bei {practice.name} ist am {appointment.date}. Grüße!',
      {
        language: 'de',
        country: 'CH',
        timeZone: 'Europe/Zurich',
        patient: { firstName: 'Jörg', lastName: 'Strauß', salutation: 'male' },
        appointment: { startAt: Date.UTC(2026, 11, 1, 9) },
        practice: { name: 'Praxis Weiß', phone: '' },
      },
      ['patient.salutation', 'practice.name', 'appointment.date'],
    );
    expect(sms.text).toBe('Grüss Gott Herr Strauß, Ihr Termin bei Praxis Weiß ist am 01.12.2026. Grüsse!');
    // The shell (notifications, tray, PDFs): the caller's name as written, no marks left.
    expect(shellStrings('de', 'CH')('notifyIncomingBody', { name: 'Jörg Strauß' })).toBe('Jörg Strauß ruft Sie an.');
    expect(shellStrings('en', 'CH')('notifyIncomingBody', { name: 'Ann' })).not.toMatch(/[\u0091\u0092]/);
  });
});
