/** The made-up values a template is previewed with while it is edited (no real patient is involved). */
import type { Language, Patient } from '../../../src-preload/contract';

export const SAMPLE_PATIENT: Patient = {
  id: '',
  firstName: 'Anna',
  lastName: 'Berg',
  birthDate: null,
  mobile: null,
  email: null,
  language: 'en',
  channel: 'sms',
  optOutSms: false,
  optOutEmail: false,
  notes: '',
  salutation: 'female',
};

export const SAMPLE_RECALL_REASON: Record<Language, string> = {
  en: 'annual check-up',
  de: 'Jahreskontrolle',
  sv: 'årlig kontroll',
  da: 'årligt eftersyn',
};
