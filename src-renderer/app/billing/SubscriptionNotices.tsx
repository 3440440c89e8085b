/**
 * The subscription at the top of the app: the plan and "trial ends on <date>" in the top bar; a banner
 * once the trial or subscription has ended (or a renewal failed); the payment prompt the gated actions
 * open. All lead to Account → Subscription with "Choose".
 */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog';
import { useAppStore } from '../store';
import { useSubscriptionStore } from './subscriptionStore';
import { uiLocale } from '../time';

/** Opens Account at its subscription card. */
export function chooseSubscription(): void {
  useSubscriptionStore.getState().closePrompt();
  useAppStore.getState().setView('account');
  requestAnimationFrame(() => document.getElementById('subscription')?.scrollIntoView({ block: 'start' }));
}

const RELOAD_MS = 5 * 60_000;

/** Loads the subscription once signed in, and again every few minutes (a trial ends while the app is open). */
function useSubscription() {
  const registered = useAppStore((s) => Boolean(s.account?.signedIn && s.account.profile?.registered));
  const load = useSubscriptionStore((s) => s.load);
  const clear = useSubscriptionStore((s) => s.clear);
  useEffect(() => {
    if (!registered) {
      clear();
      return;
    }
    void load();
    const timer = setInterval(() => void load(), RELOAD_MS);
    return () => clearInterval(timer);
  }, [registered, load, clear]);
  return useSubscriptionStore((s) => (registered ? s.subscription : null));
}

export function PlanBadge() {
  const { t, i18n } = useTranslation('common');
  const subscription = useSubscription();
  if (!subscription) return null;
  const date = (at: number) => new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'long' }).format(at);
  if (subscription.status === 'trialing')
    return (
      <span className="plan-badge" data-testid="plan-badge">
        {t('billing.trialBadge', { date: date(subscription.trialEndsAt) })}
      </span>
    );
  if (subscription.plan && subscription.usable)
    return (
      <span className="plan-badge" data-testid="plan-badge">
        {subscription.plan.name}
      </span>
    );
  return null;
}

export function SubscriptionBanner() {
  const { t } = useTranslation('common');
  const subscription = useSubscriptionStore((s) => s.subscription);
  if (!subscription) return null;
  if (subscription.status === 'past_due')
    return (
      <p className="banner" role="status" data-testid="subscription-past-due">
        {t('billing.pastDue')}{' '}
        {subscription.canManage && (
          <button type="button" className="link" onClick={chooseSubscription}>
            {t('billing.review')}
          </button>
        )}
      </p>
    );
  if (subscription.usable) return null;
  return (
    <p className="banner error" role="alert" data-testid="subscription-ended">
      {t('billing.noSubscription')}{' '}
      {subscription.canManage ? (
        <button type="button" className="link" onClick={chooseSubscription} data-testid="subscription-choose">
          {t('billing.choose')}
        </button>
      ) : (
        t('billing.askManager', { name: subscription.managedBy?.name ?? '' })
      )}
    </p>
  );
}

/** What a gated action opens: why it cannot go on, and "Choose". */
export function PaymentPrompt() {
  const { t } = useTranslation('common');
  const open = useSubscriptionStore((s) => s.prompt);
  const close = useSubscriptionStore((s) => s.closePrompt);
  const subscription = useSubscriptionStore((s) => s.subscription);
  if (!open) return null;
  const managed = subscription !== null && !subscription.canManage;
  return (
    <Dialog title={t('billing.promptTitle')} onClose={close} testId="payment-prompt">
      <p>{t('billing.noSubscription')}</p>
      <p className="hint">
        {managed ? t('billing.askManager', { name: subscription.managedBy?.name ?? '' }) : t('billing.promptText')}
      </p>
      <div className="actions">
        <button type="button" className="secondary" onClick={close}>
          {t('common.close')}
        </button>
        {!managed && (
          <button type="button" onClick={chooseSubscription} data-testid="payment-prompt-choose">
            {t('billing.choose')}
          </button>
        )}
      </div>
    </Dialog>
  );
}
