/**
 * The trial or subscription as the app knows it, and the payment prompt. Actions that need a running
 * trial or subscription (a consultation, an invitation, a message) ask `ensureUsable()` first: it reads
 * the subscription afresh (the trial may have ended while the app was open) and opens the prompt when
 * it has ended. The server checks again (402 `subscription_required`), which opens the prompt too.
 */
import { create } from 'zustand';
import type { BridgeError, Subscription } from '../../../src-preload/contract';

interface SubscriptionState {
  subscription: Subscription | null;
  prompt: boolean;
  load(): Promise<Subscription | null>;
  set(subscription: Subscription): void;
  ensureUsable(): Promise<boolean>;
  /** A command's error: the server's gate opens the prompt; true when it was that. */
  gateError(error: BridgeError | null): boolean;
  closePrompt(): void;
  clear(): void;
}

export const useSubscriptionStore = create<SubscriptionState>((set, get) => ({
  subscription: null,
  prompt: false,
  load: async () => {
    const result = await window.clinic.billing.subscription();
    if (!result.ok) return get().subscription;
    set({ subscription: result.value });
    return result.value;
  },
  set: (subscription) => set({ subscription }),
  ensureUsable: async () => {
    const subscription = await get().load();
    // Unknown (offline, signed out): the server decides.
    if (!subscription || subscription.usable) return true;
    set({ prompt: true });
    return false;
  },
  gateError: (error) => {
    if (error?.code !== 'subscription_required') return false;
    set({ prompt: true });
    void get().load();
    return true;
  },
  closePrompt: () => set({ prompt: false }),
  clear: () => set({ subscription: null, prompt: false }),
}));
