/**
 * `files.saveDayList`: the shell's command (it owns the save dialog) that prints the core's day to PDF in
 * the user's language. Shared by the Electron shell and the test bridge, so both run the same code.
 */
import { intlLocale } from '../../../protocol/locale';
import { formatPhone } from '../../../protocol/phoneFormat';
import type {
  AgendaDay,
  AppointmentStatus,
  Language,
  Practice,
  Practitioner,
  Room,
} from '../../../src-preload/contract';
import { shellStrings } from '../i18n/shellStrings';
import { dayListPdf } from './dayListPdf';

export interface DayListDeps {
  day: (input: { date: string; by: 'practitioner' }) => Promise<AgendaDay> | AgendaDay;
  practice: () => Promise<Practice> | Practice;
  practitioners: () => Promise<Practitioner[]> | Practitioner[];
  rooms: () => Promise<Room[]> | Room[];
  language: () => Language;
  saveFile: (suggestedName: string, bytes: Uint8Array) => Promise<boolean>;
  now?: () => number;
}

export function saveDayListCommand(deps: DayListDeps) {
  return async ({ date, practitionerId }: { date: string; practitionerId: string | null }) => {
    const [day, practice, practitioners, rooms] = await Promise.all([
      deps.day({ date, by: 'practitioner' }),
      deps.practice(),
      deps.practitioners(),
      deps.rooms(),
    ]);
    const language = deps.language();
    const t = shellStrings(language, practice.country);
    // Dates as the practice's region writes them (English day first outside North America, de-CH …).
    const locale = intlLocale(language, practice.country);
    const zone = practice.timeZone;
    const longDate = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeZone: 'UTC' }).format(
      new Date(`${date}T12:00:00Z`),
    );
    const one = practitionerId ? practitioners.find((p) => p.id === practitionerId) : undefined;
    const bytes = await dayListPdf({
      day,
      practitioners,
      rooms,
      practitionerId: one ? one.id : null,
      time: (at) => new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: zone }).format(at),
      phone: (e164) => formatPhone(e164, practice.country),
      text: {
        title: t('dayListTitle', { date: longDate }),
        heads: [
          t('dayListTime'),
          t('dayListPatient'),
          t('dayListPhone'),
          t('dayListType'),
          t('dayListRoom'),
          t('dayListState'),
        ],
        status: (status: AppointmentStatus) => t(`dayListStatus_${status}` as Parameters<typeof t>[0]),
        blocked: t('dayListBlocked'),
        empty: t('dayListEmpty'),
        printed: t('dayListPrinted', {
          at: new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', timeZone: zone }).format(
            (deps.now ?? Date.now)(),
          ),
        }),
        page: (n, of) => t('dayListPage', { n, of }),
      },
    });
    const name = one ? `${t('dayListFile', { date })} ${one.name}` : t('dayListFile', { date });
    // File names: no path separators or characters Windows refuses.
    return { saved: await deps.saveFile(`${name.replace(/[\\/:*?"<>|]+/g, '-')}.pdf`, bytes) };
  };
}
