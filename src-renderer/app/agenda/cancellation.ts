/**
 * The cancellation's follow-up, without React: the default notice to the patient (in the patient's
 * language, with the appointment's date and time written out, since a free text has no appointment
 * placeholders) and the undo that the toast offers.
 */
import type { TFunction } from 'i18next';
import type { Appointment, CancelResult, Patient } from '../../../src-preload/contract';
import { formatDay, formatTime, localParts } from '../time';

/** The channel a notice goes on by default: the patient's preferred one when it can reach them. */
export function noticeChannel(patient: Patient): 'sms' | 'email' | null {
  if (patient.channel === 'email' && patient.email) return 'email';
  if (patient.channel === 'sms' && patient.mobile) return 'sms';
  return patient.mobile ? 'sms' : patient.email ? 'email' : null;
}

export function defaultNotice(
  t: TFunction,
  appointment: Pick<Appointment, 'startAt'>,
  patient: Pick<Patient, 'language'>,
  zone: string,
): { subject: string; sms: string; email: string } {
  const local = localParts(appointment.startAt, zone);
  const values = {
    date: formatDay(local.date, patient.language),
    time: formatTime(appointment.startAt, patient.language, zone),
  };
  return {
    subject: t('agenda.cancel.noticeSubject', { ...values, lng: patient.language }),
    sms: t('agenda.cancel.noticeSms', { ...values, lng: patient.language }),
    email: t('agenda.cancel.noticeEmail', { ...values, lng: patient.language }),
  };
}

/** Runs the undo a cancellation returned; the text says what happened, for the toast or the notice. */
export async function undoCancellation(undo: CancelResult['undo']): Promise<'restored' | 'restoredTold' | 'failed'> {
  const result = await window.clinic.agenda.undoCancel(undo);
  if (!result.ok) return 'failed';
  return result.value.noticeSent ? 'restoredTold' : 'restored';
}
