import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type AdminUser, type Language } from '../../../src-preload/contract';
import { FieldError, FormError, useCommand } from '../../components/forms';
import { useQuery } from '../../components/useQuery';
import { LANGUAGE_NAMES } from '../../i18n/i18n';
import { SignedInOnly } from '../account/SignedInOnly';
import { useAppStore } from '../store';
import { CallsChart } from './CallsChart';
import { Tabs } from '../../components/Tabs';
import { CreditsDesk } from './CreditsDesk';
import { BillingDesk } from './BillingDesk';
import { uiLocale } from '../time';

type Tab = 'dashboard' | 'users' | 'organisation' | 'logs' | 'support' | 'credits' | 'billing';
const DAY = 86_400_000;

/** The admin panel: dashboard, users and licences, the organisation, and the call logs. */
export function AdminView() {
  return (
    <SignedInOnly view="admin">
      <Admin />
    </SignedInOnly>
  );
}

function Admin() {
  const { t } = useTranslation('common');
  const role = useAppStore((s) => s.account?.profile?.role);
  const [tab, setTab] = useState<Tab>('dashboard');
  if (role === 'member') {
    return (
      <div className="empty" data-testid="view-admin">
        <p>{t('admin.onlyAdmins')}</p>
      </div>
    );
  }
  const tabs: Tab[] =
    role === 'org_admin'
      ? ['dashboard', 'users', 'organisation', 'logs', 'credits', 'billing']
      : ['dashboard', 'users', 'logs', 'support', 'credits', 'billing'];
  return (
    <div className="settings" data-testid="view-admin">
      <Tabs
        tabs={tabs}
        selected={tab}
        onSelect={setTab}
        label={(name) => t(`admin.tab.${name}`)}
        testPrefix="admin-tab"
      />
      {tab === 'dashboard' && <Dashboard />}
      {tab === 'users' && <Users />}
      {tab === 'organisation' && <OrganisationCard />}
      {tab === 'logs' && <Logs />}
      {tab === 'support' && <PinCheck />}
      {tab === 'credits' && <CreditsDesk />}
      {tab === 'billing' && <BillingDesk />}
    </div>
  );
}

function useRange(days: number) {
  // Whole UTC days, so the chart's buckets line up with the server's.
  const [to] = useState(() => (Math.floor(Date.now() / DAY) + 1) * DAY);
  return { from: to - days * DAY, to };
}

function Dashboard() {
  const { t } = useTranslation('common');
  const [days, setDays] = useState(30);
  const range = useRange(days);
  const [stats] = useQuery(() => window.clinic.admin.statistics(range), [range.from, range.to]);
  if (!stats) return null;
  const tiles: [string, number][] = [
    ['registeredUsers', stats.registeredUsers],
    ['activeLicences', stats.activeLicences],
    ['calls', stats.calls],
    ['totalMinutes', stats.totalMinutes],
    ['meetings', stats.meetings],
    ['registrationInvitations', stats.invitations.registration],
    ['callInvitations', stats.invitations.calls],
  ];
  return (
    <section className="card" data-testid="admin-dashboard">
      <div className="row spread">
        <h2>{t('admin.tab.dashboard')}</h2>
        <div className="segmented">
          {[7, 30, 90].map((n) => (
            <button key={n} type="button" aria-pressed={days === n} onClick={() => setDays(n)}>
              {t('admin.lastDays', { count: n })}
            </button>
          ))}
        </div>
      </div>
      <div className="tiles">
        {tiles.map(([key, value]) => (
          <div className="tile" key={key} data-testid={`stat-${key}`}>
            <strong>{value}</strong>
            <span>{t(`admin.stat.${key}`)}</span>
          </div>
        ))}
      </div>
      <h3>{t('admin.chart.title')}</h3>
      <CallsChart statistics={stats} />
    </section>
  );
}

function Users() {
  const { t, i18n } = useTranslation('common');
  const [users, reload] = useQuery(() => window.clinic.admin.users(), []);
  const command = useCommand();
  const me = useAppStore((s) => s.account?.profile?.id);
  const date = (at: number) => new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'medium' }).format(at);
  const act = async (promise: Promise<{ ok: boolean } & object>) => {
    if (await command.run(promise as never)) reload();
  };
  return (
    <section className="card" data-testid="admin-users">
      <h2>{t('admin.tab.users')}</h2>
      <InviteForm onInvited={reload} />
      <FormError error={command.error} fields={[]} />
      <table className="table">
        <thead>
          <tr>
            <th>{t('admin.users.name')}</th>
            <th>{t('account.email')}</th>
            <th>{t('admin.users.state')}</th>
            <th>{t('admin.users.licence')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users
            ?.filter((u) => u.state !== 'deleted')
            .map((user) => (
              <UserRow key={user.id} user={user} self={user.id === me} date={date} act={act} />
            ))}
        </tbody>
      </table>
    </section>
  );
}

function UserRow({
  user,
  self,
  date,
  act,
}: {
  user: AdminUser;
  self: boolean;
  date: (at: number) => string;
  act: (promise: Promise<{ ok: boolean } & object>) => Promise<void>;
}) {
  const { t } = useTranslation('common');
  const [editing, setEditing] = useState(false);
  const [form, setForm] = useState({ name: user.name, email: user.email });
  return (
    <tr data-testid={`user-${user.email}`}>
      <td>
        {editing ? (
          <input
            aria-label={t('admin.users.name')}
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
        ) : (
          user.name || user.username || '—'
        )}
      </td>
      <td>
        {editing ? (
          <input
            aria-label={t('account.email')}
            type="email"
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
          />
        ) : (
          user.email
        )}
      </td>
      <td>
        {t(`admin.users.states.${user.state}`)}
        {user.registeredAt ? ` · ${date(user.registeredAt)}` : ''}
      </td>
      <td>
        <label className="check">
          <input
            type="checkbox"
            checked={user.licence}
            disabled={self}
            onChange={(e) => void act(window.clinic.admin.updateUser({ id: user.id, licence: e.target.checked }))}
            data-testid="licence-toggle"
          />
          {user.licence ? t('admin.users.licenceOn') : t('admin.users.licenceOff')}
        </label>
      </td>
      <td className="row">
        {editing ? (
          <button
            type="button"
            onClick={async () => {
              await act(window.clinic.admin.updateUser({ id: user.id, ...form }));
              setEditing(false);
            }}
          >
            {t('common.save')}
          </button>
        ) : (
          <button type="button" className="link" onClick={() => setEditing(true)}>
            {t('admin.users.edit')}
          </button>
        )}
        {user.state === 'invited' && (
          <button
            type="button"
            className="link"
            onClick={() => void act(window.clinic.admin.resendInvitation({ id: user.id }))}
          >
            {t('admin.users.resend')}
          </button>
        )}
      </td>
    </tr>
  );
}

function InviteForm({ onInvited }: { onInvited: () => void }) {
  const { t, i18n } = useTranslation('common');
  const [form, setForm] = useState({ email: '', name: '', language: i18n.language as Language });
  const [sent, setSent] = useState(false);
  const command = useCommand();
  const ids = { email: useId(), name: useId(), language: useId() };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = (await command.run(window.clinic.admin.invite(form))) !== null;
    setSent(done);
    if (done) {
      setForm({ ...form, email: '', name: '' });
      onInvited();
    }
  };
  return (
    <form className="form-grid two" onSubmit={submit} noValidate data-testid="invite-form">
      <div className="field">
        <label htmlFor={ids.name}>{t('admin.users.name')}</label>
        <input id={ids.name} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor={ids.email}>{t('account.email')}</label>
        <input
          id={ids.email}
          type="email"
          value={form.email}
          onChange={(e) => setForm({ ...form, email: e.target.value })}
        />
        <FieldError error={command.error} field="email" />
      </div>
      <div className="field">
        <label htmlFor={ids.language}>{t('account.settings.language')}</label>
        <select
          id={ids.language}
          value={form.language}
          onChange={(e) => setForm({ ...form, language: e.target.value as Language })}
        >
          {LANGUAGES.map((lang) => (
            <option key={lang} value={lang}>
              {LANGUAGE_NAMES[lang]}
            </option>
          ))}
        </select>
      </div>
      <div className="actions">
        {sent && <span className="saved">{t('admin.users.invited')}</span>}
        <button type="submit" disabled={command.busy}>
          {t('admin.users.invite')}
        </button>
      </div>
      <FormError error={command.error} fields={['email']} />
    </form>
  );
}

function OrganisationCard() {
  const { t } = useTranslation('common');
  const [organisation, reload] = useQuery(() => window.clinic.admin.organisation(), []);
  const [name, setName] = useState<string | null>(null);
  const command = useCommand();
  const id = useId();
  if (!organisation) return null;
  return (
    <form
      className="card"
      onSubmit={async (event) => {
        event.preventDefault();
        if (await command.run(window.clinic.admin.renameOrganisation({ name: name ?? organisation.name }))) reload();
      }}
      noValidate
      data-testid="admin-organisation"
    >
      <h2>{t('admin.tab.organisation')}</h2>
      <p>
        {t('admin.organisation.code')}:{' '}
        <strong className="mono" data-testid="organisation-code">
          {organisation.code}
        </strong>
      </p>
      <p className="hint">{t('admin.organisation.codeHint')}</p>
      <div className="field">
        <label htmlFor={id}>{t('admin.organisation.name')}</label>
        <div className="row">
          <input id={id} value={name ?? organisation.name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" disabled={command.busy}>
            {t('common.save')}
          </button>
        </div>
        <FieldError error={command.error} />
      </div>
    </form>
  );
}

function Logs() {
  const { t, i18n } = useTranslation('common');
  const range = useRange(92);
  const [logs] = useQuery(() => window.clinic.admin.logs(range), [range.from]);
  const when = (at: number) =>
    new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'medium', timeStyle: 'short' }).format(at);
  const duration = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return (
    <section className="card" data-testid="admin-logs">
      <h2>{t('admin.tab.logs')}</h2>
      {logs?.length === 0 && <p className="hint">{t('admin.logs.none')}</p>}
      <table className="table">
        <thead>
          <tr>
            <th>{t('admin.logs.start')}</th>
            <th>{t('admin.logs.kind')}</th>
            <th>{t('admin.logs.participants')}</th>
            <th>{t('admin.logs.duration')}</th>
          </tr>
        </thead>
        <tbody>
          {logs?.map((call) => (
            <tr key={call.id}>
              <td>{when(call.startedAt)}</td>
              <td>{call.name || t(`admin.logs.kinds.${call.kind}`, { defaultValue: call.kind })}</td>
              <td>{call.participants.map((p) => p.name || '—').join(', ')}</td>
              <td>{duration(call.durationS)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * Support (service admins): a caller names their username and reads out their service PIN; this says
 * whether it matches. The PIN is never shown or stored here, and the server limits how often it is asked.
 */
function PinCheck() {
  const { t } = useTranslation('common');
  const [username, setUsername] = useState('');
  const [pin, setPin] = useState('');
  const [result, setResult] = useState<{ username: string; valid: boolean } | null>(null);
  const command = useCommand();
  const ids = { username: useId(), pin: useId() };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setResult(null);
    const answer = await command.run(window.clinic.admin.pinCheck({ username, pin }));
    if (answer) {
      setResult({ username, valid: answer.valid });
      setPin('');
    }
  };
  return (
    <section className="card narrow" data-testid="pin-check">
      <h2>{t('admin.support.title')}</h2>
      <p className="hint">{t('admin.support.hint')}</p>
      <form className="form-grid" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={ids.username}>{t('account.username')}</label>
          <input
            id={ids.username}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            data-testid="pin-check-username"
          />
          <FieldError error={command.error} field="username" />
        </div>
        <div className="field">
          <label htmlFor={ids.pin}>{t('admin.support.pin')}</label>
          <input
            id={ids.pin}
            inputMode="numeric"
            autoComplete="off"
            maxLength={9}
            value={pin}
            onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))}
            data-testid="pin-check-pin"
          />
          <FieldError error={command.error} field="pin" />
        </div>
        <FormError error={command.error} fields={['username', 'pin']} />
        <div className="actions">
          <button type="submit" disabled={command.busy} data-testid="pin-check-submit">
            {t('admin.support.check')}
          </button>
        </div>
      </form>
      {result && (
        <p
          role="status"
          className={result.valid ? 'banner ok' : 'banner error'}
          data-testid="pin-check-result"
          data-valid={result.valid}
        >
          {t(result.valid ? 'admin.support.valid' : 'admin.support.invalid', { username: result.username })}
        </p>
      )}
    </section>
  );
}
