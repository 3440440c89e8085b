/** The server's e-mails, in the recipient's language (i18next, like every user-visible string). */
import i18next from 'i18next';
import da from '../locales/da/mail.json';
import de from '../locales/de/mail.json';
import en from '../locales/en/mail.json';
import sv from '../locales/sv/mail.json';

export const MAIL_LANGUAGES = ['en', 'de', 'sv', 'da'] as const;
export type MailLanguage = (typeof MAIL_LANGUAGES)[number];

const i18n = i18next.createInstance();
void i18n.init({
  resources: { en: { mail: en }, de: { mail: de }, sv: { mail: sv }, da: { mail: da } },
  lng: 'en',
  fallbackLng: 'en',
  ns: ['mail'],
  defaultNS: 'mail',
  initAsync: false,
  interpolation: { escapeValue: false },
});

const fixedT = (language: string) =>
  i18n.getFixedT((MAIL_LANGUAGES as readonly string[]).includes(language) ? language : 'en', 'mail');

export const smsCodeText = (language: string, code: string): string => fixedT(language)('smsCode', { code });

export function registrationMail(language: string, values: { link: string; appLink: string; days: number }) {
  const t = fixedT(language);
  return { subject: t('registration.subject'), text: t('registration.body', values) };
}

/** To an address that could not be invited (it has an account, or another invitation is pending). */
export function invitationNoticeMail(language: string) {
  const t = fixedT(language);
  return { subject: t('invitationNotice.subject'), text: t('invitationNotice.body') };
}

export interface GuestInvitationValues {
  practitioner: string;
  link: string;
  joinUrl: string;
  code: string;
  appointmentAt: number | null;
  expiresAt: number;
  timeZone: string;
}

/** The patient's invitation: the link, and the access code for the join page. */
export function guestInvitationTexts(language: string, values: GuestInvitationValues) {
  const t = fixedT(language);
  const lng = (MAIL_LANGUAGES as readonly string[]).includes(language) ? language : 'en';
  const format = (at: number) =>
    new Intl.DateTimeFormat(lng, { dateStyle: 'long', timeStyle: 'short', timeZone: values.timeZone }).format(at);
  const when = values.appointmentAt === null ? '' : t('guestWhen', { date: format(values.appointmentAt) });
  const code = `${values.code.slice(0, 3)} ${values.code.slice(3, 6)} ${values.code.slice(6)}`;
  const all = { ...values, when, code, until: format(values.expiresAt) };
  return {
    mail: { subject: t('guestInvitation.subject', all), text: t('guestInvitation.body', all) },
    sms: t('guestInvitationSms', all),
  };
}

/** The invoice's texts in its language (rendered as PDF by server/billing/invoicePdf.ts). */
export function invoiceTranslator(language: string) {
  const lng = (MAIL_LANGUAGES as readonly string[]).includes(language) ? language : 'en';
  const t = fixedT(lng);
  return { lng, t: (key: string, values: Record<string, unknown> = {}) => t(`invoice.${key}`, values) };
}

/** 3 days and 1 day before a trial ends: the date in the recipient's language, and where to choose a plan. */
export function trialReminderMail(language: string, values: { endsAt: number; days: number }) {
  const t = fixedT(language);
  const lng = (MAIL_LANGUAGES as readonly string[]).includes(language) ? language : 'en';
  const date = new Intl.DateTimeFormat(lng, { dateStyle: 'long', timeZone: 'UTC' }).format(values.endsAt);
  return { subject: t('trialReminder.subject', { count: values.days }), text: t('trialReminder.body', { date }) };
}
