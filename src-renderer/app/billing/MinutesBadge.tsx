/** The video minutes next to the call buttons: how many are left, and when they start again. */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useTelehealthStore } from './telehealthStore';
import { uiLocale } from '../time';

export function MinutesBadge() {
  const { t, i18n } = useTranslation('common');
  const usage = useTelehealthStore((s) => s.usage);
  const load = useTelehealthStore((s) => s.load);
  useEffect(() => {
    void load();
  }, [load]);
  if (!usage) return null;
  return (
    <p className={usage.remainingMinutes === 0 ? 'minutes banner error' : 'minutes hint'} data-testid="video-minutes">
      {t('telehealth.left', { count: usage.remainingMinutes })}
      {usage.resetsAt !== null &&
        ` · ${t('telehealth.resets', { date: new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'medium' }).format(usage.resetsAt) })}`}
      {!usage.addOn && usage.trialMinutesLeft > 0 && ` · ${t('telehealth.trialMinutes')}`}
    </p>
  );
}
