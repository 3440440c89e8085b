import type { GuestPractice } from '../../protocol/calls';

/** What a patient's tab keeps across a reload: the guest token and name, so it rejoins without clicking. */
const KEY = 'clinicdesk.guest';

export interface StoredGuest {
  guestToken: string;
  /** Empty until the patient gave it (a reload before that returns to the name and consent step). */
  name: string;
  practitionerName: string;
  organisationName: string | null;
  /** The practice's name and phone (null before its set-up synced, or from a tab kept before they existed). */
  practice?: GuestPractice | null;
  consentRequired: boolean;
  /** What the patient actually chose; sent again on a rejoin, never assumed. */
  consent: boolean;
}

export const loadGuest = (): StoredGuest | null => {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as StoredGuest | null;
    return value && typeof value.guestToken === 'string' ? value : null;
  } catch {
    return null;
  }
};

export const saveGuest = (guest: StoredGuest): void => sessionStorage.setItem(KEY, JSON.stringify(guest));
export const forgetGuest = (): void => sessionStorage.removeItem(KEY);

/** The invitation token when the page was opened from the link (/join/<token>). */
export const tokenFromPath = (path: string): string | null =>
  /^\/join\/([A-Za-z0-9_-]{40,64})$/.exec(path)?.[1] ?? null;
