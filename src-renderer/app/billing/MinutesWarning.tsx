/**
 * In a metered call (a consultation, or a meeting this practitioner hosts): a warning when 5 minutes of
 * video time are left, and when they have run out. The call is never cut; the server records the overrun.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Current } from '../../calls/callController';
import { useNow } from '../../components/useNow';
import { useTelehealthStore } from './telehealthStore';

const MINUTE = 60_000;

/** What to say at `now` in a call that began at `since` with `remaining` minutes: nothing, 'soon' or 'out'. */
export function minutesWarning(remaining: number, since: number, now: number): 'soon' | 'out' | null {
  const left = since + remaining * MINUTE - now;
  if (left <= 0) return 'out';
  if (left <= 5 * MINUTE) return 'soon';
  return null;
}

export function MinutesWarning({ current }: { current: Current }) {
  const { t } = useTranslation('common');
  const load = useTelehealthStore((s) => s.load);
  const [remaining, setRemaining] = useState<number | null>(null);
  const now = useNow(15_000);
  const metered = current.kind === 'guest' || (current.kind === 'group' && current.direction === 'outgoing');
  useEffect(() => {
    if (!metered) return;
    // The minutes when the call began (the server counts the call itself from its own records).
    void load().then((usage) => setRemaining(usage ? usage.remainingMinutes : null));
  }, [metered, load, current.callId]);
  if (!metered || remaining === null) return null;
  const warning = minutesWarning(remaining, current.answeredAt ?? current.startedAt, now);
  if (!warning) return null;
  return (
    <p className="banner" role="status" data-testid="minutes-warning">
      {t(warning === 'soon' ? 'telehealth.warnSoon' : 'telehealth.warnOut')}
    </p>
  );
}
