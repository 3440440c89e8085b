import { useEffect, useState } from 'react';

/** The time, renewed every `everyMs` (render stays pure: the clock is read in effects, not while rendering). */
export function useNow(everyMs = 60_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
