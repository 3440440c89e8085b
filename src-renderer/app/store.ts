/** App state: the current view (mirrored in the URL hash) and the settings read through the bridge. */
import { create } from 'zustand';
import {
  VIEWS,
  type AccountState,
  type AppointmentType,
  type BridgeError,
  type Practice,
  type Practitioner,
  type Room,
  type Settings,
  type Tenant,
  type View,
} from '../../src-preload/contract';
import { setTextRegion } from '../i18n/i18n';
import { setRegion } from './time';

const viewFromHash = (hash: string): View => {
  const name = hash.replace(/^#\/?/, '');
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'agenda';
};

/** The practice's set-up, needed by most views (time zone, columns, types). */
export interface PracticeData {
  practice: Practice;
  practitioners: Practitioner[];
  rooms: Room[];
  types: AppointmentType[];
  tenants: Tenant[];
}

interface AppState {
  view: View;
  settings: Settings | null;
  fatal: BridgeError | null;
  data: PracticeData | null;
  /** Bumped when data changed outside the current view (scheduler, another window): views reload. */
  revision: number;
  /** The server session as the main process reports it; null until first asked. */
  account: AccountState | null;
  /** A registration link handed over by the OS (clinicdesk://) for the wizard to open. */
  registrationLink: string | null;
  loadAccount(): Promise<void>;
  setAccount(account: AccountState): void;
  setRegistrationLink(link: string | null): void;
  loadPracticeData(): Promise<void>;
  touch(): void;
  setView(view: View): void;
  setSettings(settings: Settings): void;
  setFatal(error: BridgeError): void;
  /** A failure that belongs to no form (a view that could not load, a refused drag), shown until dismissed. */
  notice: BridgeError | null;
  showNotice(error: BridgeError): void;
  dismissNotice(): void;
  /** Feedback after an action (booked, moved, cancelled …), with an optional "undo"; each goes by itself. */
  toasts: Toast[];
  /** The patient whose page is open in the patients view (from the agenda, the day list, a search). */
  patientPage: string | null;
  openPatient(id: string | null): void;
  /** "Invite to video consultation" from a patient's page: the calls view opens with the invitation filled in. */
  invitePrefill: { label: string; email: string; phone: string } | null;
  inviteToVideo(prefill: { label: string; email: string; phone: string } | null): void;
  toast(toast: Omit<Toast, 'id'>): void;
  dismissToast(id: number): void;
}

export interface Toast {
  id: number;
  text: string;
  action?: { label: string; run: () => void | Promise<void> };
}

let nextToast = 1;

export const useAppStore = create<AppState>((set) => ({
  view: viewFromHash(window.location.hash),
  settings: null,
  fatal: null,
  setView: (view) => {
    if (window.location.hash !== `#/${view}`) window.location.hash = `#/${view}`;
    set({ view });
  },
  setSettings: (settings) => set({ settings }),
  setFatal: (fatal) => set({ fatal }),
  notice: null,
  showNotice: (notice) => set({ notice }),
  dismissNotice: () => set({ notice: null }),
  toasts: [],
  patientPage: null,
  invitePrefill: null,
  inviteToVideo: (prefill) => {
    set({ invitePrefill: prefill });
    if (prefill) {
      if (window.location.hash !== '#/calls') window.location.hash = '#/calls';
      set({ view: 'calls' });
    }
  },
  openPatient: (id) => {
    set({ patientPage: id });
    if (id && window.location.hash !== '#/patients') window.location.hash = '#/patients';
    if (id) set({ view: 'patients' });
  },
  // At most three at once: the oldest goes first.
  toast: (toast) => set((s) => ({ toasts: [...s.toasts.slice(-2), { ...toast, id: nextToast++ }] })),
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
  data: null,
  revision: 0,
  account: null,
  registrationLink: null,
  loadAccount: async () => {
    const result = await window.clinic.account.state();
    if (result.ok) set({ account: result.value });
  },
  setAccount: (account) => set({ account }),
  setRegistrationLink: (registrationLink) => set({ registrationLink }),
  loadPracticeData: async () => {
    const [practice, practitioners, rooms, types, tenants] = await Promise.all([
      window.clinic.practice.get(),
      window.clinic.practitioners.list(),
      window.clinic.rooms.list(),
      window.clinic.appointmentTypes.list(),
      window.clinic.tenants.list(),
    ]);
    if (practice.ok && practitioners.ok && rooms.ok && types.ok && tenants.ok) {
      setRegion(practice.value.country);
      setTextRegion(practice.value.country);
      set({
        data: {
          practice: practice.value,
          practitioners: practitioners.value,
          rooms: rooms.value,
          types: types.value,
          tenants: tenants.value,
        },
      });
    } else {
      const failed = [practice, practitioners, rooms, types, tenants].find((r) => !r.ok);
      if (failed && !failed.ok) set({ fatal: failed.error });
    }
  },
  touch: () => set((s) => ({ revision: s.revision + 1 })),
}));

window.addEventListener('hashchange', () => {
  useAppStore.setState({ view: viewFromHash(window.location.hash) });
});
