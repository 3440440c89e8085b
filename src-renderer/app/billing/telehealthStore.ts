/** The signed-in practitioner's video minutes (issue 12), read when a view needs them and after changes. */
import { create } from 'zustand';
import type { TelehealthUsage } from '../../../src-preload/contract';

interface TelehealthState {
  usage: TelehealthUsage | null;
  load(): Promise<TelehealthUsage | null>;
  set(usage: TelehealthUsage): void;
}

export const useTelehealthStore = create<TelehealthState>((set, get) => ({
  usage: null,
  load: async () => {
    const result = await window.clinic.telehealth.usage();
    if (!result.ok) return get().usage;
    set({ usage: result.value });
    return result.value;
  },
  set: (usage) => set({ usage }),
}));
