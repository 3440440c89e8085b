import { useEffect, useState, type DependencyList } from 'react';
import type { Result } from '../../src-preload/contract';

/**
 * Loads data through the bridge when its inputs change; `reload()` asks again. A late answer for old
 * inputs is dropped.
 */
export function useQuery<T>(fetch: () => Promise<Result<T>>, deps: DependencyList): [T | null, () => void] {
  const [value, setValue] = useState<T | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    void fetch().then((result) => {
      if (current && result.ok) setValue(result.value);
    });
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller names the inputs
  }, [...deps, tick]);
  return [value, () => setTick((n) => n + 1)];
}
