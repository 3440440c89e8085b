import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { GuestInvitation } from '../../../src-preload/contract';
import { FieldError, FormError, useCommand } from '../../components/forms';
import { useQuery } from '../../components/useQuery';
import { SignedInOnly } from '../account/SignedInOnly';
import { useCallState, useCallStore } from './callStore';
import { trialEndsDuringCall } from '../billing/billingModel';
import { useSubscriptionStore } from '../billing/subscriptionStore';
import { MinutesBadge } from '../billing/MinutesBadge';
import { chooseSubscription } from '../billing/SubscriptionNotices';
import { useTelehealthStore } from '../billing/telehealthStore';
import { useNow } from '../../components/useNow';
import { groupCode } from '../../../protocol/accessCode';
import { useAppStore } from '../store';
import { uiLocale } from '../time';

/** Video consultations: invite a patient (link and code), see who waits, call colleagues. */
export function CallsView() {
  return (
    <SignedInOnly view="calls">
      <Calls />
    </SignedInOnly>
  );
}

function Calls() {
  const { t } = useTranslation('common');
  const notice = useCallState((s) => s.notice);
  const connected = useCallState((s) => s.connected);
  return (
    <div className="settings" data-testid="view-calls">
      {!connected && <p className="hint">{t('calls.connecting')}</p>}
      {notice && (
        <p className="banner" role="status" data-testid="call-notice">
          {t(`calls.outcome.${notice}`)}
        </p>
      )}
      <MinutesBadge />
      <TrialCallWarning />
      <InviteGuest />
      <Colleagues />
    </div>
  );
}

/** A call started now could run past the trial's end: it is not cut, but the practitioner should know. */
function TrialCallWarning() {
  const { t, i18n } = useTranslation('common');
  const subscription = useSubscriptionStore((s) => s.subscription);
  const now = useNow();
  const endsAt = trialEndsDuringCall(subscription, now);
  if (endsAt === null) return null;
  return (
    <p className="banner" role="status" data-testid="trial-call-warning">
      {t('billing.trialEndsSoon', {
        time: new Intl.DateTimeFormat(uiLocale(i18n.language), { timeStyle: 'short' }).format(endsAt),
      })}
    </p>
  );
}

function InviteGuest() {
  const { t, i18n } = useTranslation('common');
  // Filled in when the user came from a patient's page ("invite to video consultation"); taken once.
  const [form, setForm] = useState(() => useAppStore.getState().invitePrefill ?? { label: '', email: '', phone: '' });
  useEffect(() => useAppStore.getState().inviteToVideo(null), []);
  const [created, setCreated] = useState<GuestInvitation | null>(null);
  const [copied, setCopied] = useState(false);
  const command = useCommand();
  const ids = { label: useId(), email: useId(), phone: useId() };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setCopied(false);
    if (!(await useSubscriptionStore.getState().ensureUsable())) return;
    const invitation = await command.run(window.clinic.calls.createInvitation(form));
    setCreated(invitation);
    void useTelehealthStore.getState().load();
  };
  useEffect(() => {
    useSubscriptionStore.getState().gateError(command.error);
  }, [command.error]);
  return (
    <section className="card">
      <h2>{t('calls.invite.title')}</h2>
      <form className="form-grid two" onSubmit={submit} noValidate>
        <div className="field span">
          <label htmlFor={ids.label}>{t('calls.invite.label')}</label>
          <input
            id={ids.label}
            value={form.label}
            onChange={(e) => setForm({ ...form, label: e.target.value })}
            data-testid="invite-label"
          />
        </div>
        <div className="field">
          <label htmlFor={ids.email}>{t('calls.invite.email')}</label>
          <input
            id={ids.email}
            type="email"
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
          />
          <FieldError error={command.error} field="email" />
        </div>
        <div className="field">
          <label htmlFor={ids.phone}>{t('calls.invite.phone')}</label>
          <input
            id={ids.phone}
            type="tel"
            value={form.phone}
            onChange={(e) => setForm({ ...form, phone: e.target.value })}
          />
          <FieldError error={command.error} field="phone" />
        </div>
        <FormError error={command.error} fields={['email', 'phone']} />
        {command.error?.issues?.some((i) => i.code === 'add_telehealth') && (
          <div className="span">
            <button type="button" onClick={chooseSubscription} data-testid="add-telehealth">
              {t('telehealth.addCta')}
            </button>
          </div>
        )}
        <div className="actions span">
          <button type="submit" disabled={command.busy} data-testid="invite-create">
            {t('calls.invite.create')}
          </button>
        </div>
      </form>
      {created && (
        <div className="invitation" data-testid="invitation">
          <p>
            {t('calls.invite.code')}:{' '}
            <strong className="mono" data-testid="invitation-code">
              {groupCode(created.code)}
            </strong>
          </p>
          <p className="mono" data-testid="invitation-link">
            {created.link}
          </p>
          <p className="hint">
            {t('calls.invite.until', {
              date: new Intl.DateTimeFormat(uiLocale(i18n.language), {
                dateStyle: 'medium',
                timeStyle: 'short',
              }).format(created.expiresAt),
            })}
          </p>
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void navigator.clipboard.writeText(`${created.link}\n${groupCode(created.code)}`).then(
                () => setCopied(true),
                () => {},
              )
            }
          >
            {copied ? t('account.pin.copied') : t('calls.invite.copy')}
          </button>
        </div>
      )}
    </section>
  );
}

function Colleagues() {
  const { t } = useTranslation('common');
  const [contacts] = useQuery(() => window.clinic.contacts.list(), []);
  const statuses = useCallState((s) => s.statuses);
  const inCall = useCallState((s) => s.current !== null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [meetingName, setMeetingName] = useState('');
  const nameId = useId();
  return (
    <section className="card">
      <h2>{t('calls.colleagues')}</h2>
      {contacts?.length === 0 && <p className="hint">{t('contacts.none')}</p>}
      <ul className="plain">
        {contacts?.map((contact) => {
          const status = statuses[contact.id] ?? 'offline';
          const name = contact.name || contact.username;
          return (
            <li key={contact.id} className="row spread" data-testid={`callee-${contact.username}`}>
              <label className="check">
                <input
                  type="checkbox"
                  aria-label={t('calls.meeting.choose', { name })}
                  checked={chosen.includes(contact.id)}
                  disabled={!chosen.includes(contact.id) && chosen.length >= 3}
                  onChange={(e) =>
                    setChosen(e.target.checked ? [...chosen, contact.id] : chosen.filter((id) => id !== contact.id))
                  }
                />
                <span className={`presence ${status}`} aria-hidden="true" /> {name}{' '}
                <span className="hint">{t(`calls.presence.${status}`)}</span>
              </label>
              <button
                type="button"
                disabled={inCall || status === 'offline'}
                onClick={async () => {
                  if (await useSubscriptionStore.getState().ensureUsable())
                    void useCallStore.getState().controller?.call({ id: contact.id, name });
                }}
                data-testid="call-contact"
              >
                {t('calls.call')}
              </button>
            </li>
          );
        })}
      </ul>
      <form
        className="field"
        onSubmit={async (event) => {
          event.preventDefault();
          if (chosen.length === 0 || !meetingName.trim()) return;
          if (!(await useSubscriptionStore.getState().ensureUsable())) return;
          void useCallStore.getState().controller?.meeting(meetingName.trim(), chosen);
        }}
        noValidate
      >
        <label htmlFor={nameId}>{t('calls.meeting.name')}</label>
        <div className="row">
          <input id={nameId} value={meetingName} maxLength={120} onChange={(e) => setMeetingName(e.target.value)} />
          <button type="submit" disabled={inCall || chosen.length === 0 || !meetingName.trim()}>
            {t('calls.meeting.start', { count: chosen.length + 1 })}
          </button>
        </div>
        <p className="hint">{t('calls.meeting.hint')}</p>
      </form>
    </section>
  );
}
