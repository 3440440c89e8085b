import { useEffect, useState } from 'react';

/** Seconds left until `until` (epoch ms), ticking each second; 0 once passed. */
export function useCountdown(until: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until <= now) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until, now]);
  return Math.max(0, Math.ceil((until - now) / 1000));
}

/** The server's rule: a new SMS code at the earliest 60 seconds after the last one. */
export const RESEND_AFTER_MS = 60_000;
