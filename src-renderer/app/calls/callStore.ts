/**
 * The app's call state: the call controller while signed in (it owns the socket), the missed-calls badge,
 * and the account's call settings. Components read the controller's state with `useCallState`.
 */
import { create, useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { AccountSettings } from '../../../src-preload/contract';
import { INITIAL_CALL_STATE, type CallState, type StaffCallController } from '../../calls/callController';

interface AppCallState {
  controller: StaffCallController | null;
  missedBadge: number;
  /** The account's call settings (mute, auto-answer, auto-download, devices); kept current by the profile. */
  preferences: AccountSettings | null;
  set(partial: Partial<Omit<AppCallState, 'set'>>): void;
}

export const useCallStore = create<AppCallState>((set) => ({
  controller: null,
  missedBadge: 0,
  preferences: null,
  set: (partial) => set(partial),
}));

const signedOut = createStore<CallState>(() => INITIAL_CALL_STATE);

/** A slice of the call controller's state (the empty state while signed out). */
export function useCallState<T>(selector: (state: CallState) => T): T {
  const controller = useCallStore((s) => s.controller);
  return useStore(controller?.store ?? signedOut, selector);
}
