/** App state: the current view (mirrored in the URL hash) and the settings read through the bridge. */
import { create } from 'zustand';
import { VIEWS, type BridgeError, type Settings, type View } from '../../src-preload/contract';

const viewFromHash = (hash: string): View => {
  const name = hash.replace(/^#\/?/, '');
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'agenda';
};

interface AppState {
  view: View;
  settings: Settings | null;
  fatal: BridgeError | null;
  setView(view: View): void;
  setSettings(settings: Settings): void;
  setFatal(error: BridgeError): void;
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
}));

window.addEventListener('hashchange', () => {
  useAppStore.setState({ view: viewFromHash(window.location.hash) });
});
