/**
 * Sync's state and the practice's SMS credits as the window shows them: sync's status comes from the main
 * process (`sync.status` events); the credits from the server, read again when messages or tenants change.
 */
import { create } from 'zustand';
import type { CreditBalances, SyncStatus } from '../../../src-preload/contract';

interface SyncState {
  status: SyncStatus | null;
  credits: CreditBalances | null;
  setStatus(status: SyncStatus): void;
  loadStatus(): Promise<void>;
  loadCredits(): Promise<void>;
}

export const useSyncStore = create<SyncState>((set) => ({
  status: null,
  credits: null,
  setStatus: (status) => set({ status }),
  loadStatus: async () => {
    const result = await window.clinic.sync.status();
    if (result.ok) set({ status: result.value });
  },
  loadCredits: async () => {
    const result = await window.clinic.credits.balances();
    // Not signed in (or offline): no figures rather than stale ones.
    set({ credits: result.ok ? result.value : null });
  },
}));

/** Tables whose change alters what the credits show. */
export const CREDIT_TABLES = ['messages', 'tenants'];
/** Tables of the practice's set-up, which the app keeps loaded. */
export const SETUP_TABLES = ['practice', 'tenants', 'practitioners', 'rooms', 'appointment_types'];
