/** The app's call state, shared by the call centre (which owns the socket) and the views. */
import type { Socket } from 'socket.io-client';
import type { AccountSettings } from '../../../src-preload/contract';
import { create } from 'zustand';

export interface Incoming {
  callId: string;
  kind: 'contact' | 'group';
  name: string;
  from: { id: string; name: string };
  at: number;
}

export interface Knock {
  callId: string;
  guest: { id: string; name: string };
  at: number;
}

/** The call in progress, for the log written when it ends. */
export interface Current {
  callId: string;
  kind: 'contact' | 'group' | 'guest';
  direction: 'incoming' | 'outgoing';
  peerName: string;
  startedAt: number;
  answeredAt: number | null;
}

interface CallState {
  socket: Socket | null;
  connected: boolean;
  statuses: Record<string, string>;
  incoming: Incoming | null;
  knocks: Knock[];
  current: Current | null;
  /** A short message for the user ("busy", "no answer"), as a translation key under calls.outcome. */
  notice: string | null;
  missedBadge: number;
  /** The account's call settings (mute, auto-answer, auto-download, devices); kept current by the profile. */
  preferences: AccountSettings | null;
  set(partial: Partial<Omit<CallState, 'set'>>): void;
}

export const useCallStore = create<CallState>((set) => ({
  socket: null,
  connected: false,
  statuses: {},
  incoming: null,
  knocks: [],
  current: null,
  notice: null,
  missedBadge: 0,
  preferences: null,
  set: (partial) => set(partial),
}));
