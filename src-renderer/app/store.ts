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
}

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
