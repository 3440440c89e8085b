import { useEffect, useState, type DependencyList } from 'react';
import type { BridgeError, Result } from '../../src-preload/contract';
import { useAppStore } from '../app/store';

/**
 * Loads a bridge query and reloads it when `deps` change or `reload()` is called. A failure is shown in the
 * app-wide notice (a blank view says nothing) and returned as the third element for views that want to
 * show it in place.
 */
export function useQuery<T>(
  fetch: () => Promise<Result<T>>,
  deps: DependencyList,
): [T | null, () => void, BridgeError | null] {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<BridgeError | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    void fetch().then((result) => {
      if (!current) return;
      if (result.ok) {
        setValue(result.value);
        setError(null);
      } else {
        setError(result.error);
        useAppStore.getState().showNotice(result.error);
      }
    });
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller names the inputs
  }, [...deps, tick]);
  return [value, () => setTick((n) => n + 1), error];
}
