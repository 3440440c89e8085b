import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  LANGUAGES,
  MESSAGE_KINDS,
  type Language,
  type Message,
  type MessageKind,
  type MessageStatus,
  type Recall,
  type Template,
} from '../../../src-preload/contract';
import { FormError, useCommand } from '../../components/forms';
import { useQuery } from '../../components/useQuery';
import { formatPhone } from '../../../protocol/phoneFormat';
import { isLanguage, LANGUAGE_NAMES } from '../../i18n/i18n';
import { useAppStore } from '../store';
import { formatBirthDate, formatDateTime } from '../time';
import { ComposeDialog } from './ComposeDialog';
import { CostPreview } from './CostPreview';
import { MessageFields } from './MessageFields';
import { messageReason } from './reasons';
import { Tabs } from '../../components/Tabs';

const TABS = ['scheduled', 'sent', 'failed', 'all', 'recalls', 'templates'] as const;
type Tab = (typeof TABS)[number];
const STATUSES: Record<'scheduled' | 'sent' | 'failed' | 'all', MessageStatus[]> = {
  scheduled: ['draft', 'scheduled', 'queued', 'sending', 'held'],
  sent: ['sent', 'delivered'],
  failed: ['failed', 'expired', 'skipped'],
  all: [],
};

/** What the core still lets the practice withdraw (its PENDING): not yet handed to the provider. */
const WITHDRAWABLE: readonly MessageStatus[] = ['draft', 'scheduled', 'queued'];

function MessageTable({ tab }: { tab: keyof typeof STATUSES }) {
  const country = useAppStore((s) => s.data?.practice.country ?? 'DE');
  const { t, i18n } = useTranslation('common');
  const zone = useAppStore((s) => s.data?.practice.timeZone ?? 'UTC');
  const revision = useAppStore((s) => s.revision);
  const [kind, setKind] = useState<MessageKind | ''>('');
  const { error, run } = useCommand();
  const [withdrawing, setWithdrawing] = useState<string | null>(null);
  const [loaded, load] = useQuery(
    () => window.clinic.messages.list({ statuses: STATUSES[tab], kinds: kind ? [kind] : [] }),
    [tab, kind, revision],
  );
  const messages: Message[] = loaded ?? [];

  return (
    <>
      <div className="toolbar">
        <select
          value={kind}
          aria-label={t('messages.columns.kind')}
          onChange={(e) => setKind(e.target.value as MessageKind | '')}
        >
          <option value="">{t('messages.allKinds')}</option>
          {MESSAGE_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`messages.kinds.${k}`)}
            </option>
          ))}
        </select>
      </div>
      <FormError error={error} fields={[]} />
      {messages.length === 0 ? (
        <div className="empty">
          <p>{t('messages.empty')}</p>
        </div>
      ) : (
        <table className="table" data-testid="message-table">
          <thead>
            <tr>
              <th>{t('messages.columns.time')}</th>
              <th>{t('messages.columns.kind')}</th>
              <th>{t('messages.columns.recipient')}</th>
              <th>{t('messages.columns.text')}</th>
              <th>{t('messages.columns.cost')}</th>
              <th>{t('messages.columns.status')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {messages.map((m) => (
              <tr
                key={m.id}
                data-testid="message-row"
                data-kind={m.kind}
                data-status={m.status}
                data-scheduled-at={m.scheduledAt}
              >
                <td>{formatDateTime(m.scheduledAt, i18n.language, zone)}</td>
                <td>
                  {t(`messages.kinds.${m.kind}`)} · {t(`patients.channels.${m.channel}`)}
                </td>
                <td>
                  {m.patientName ?? ''}{' '}
                  <span className="mono hint" data-testid="message-recipient">
                    {m.channel === 'sms' ? formatPhone(m.recipient, country) : m.recipient}
                  </span>
                </td>
                <td className="excerpt">
                  {/* The list shows the start; the whole text opens in place. */}
                  <details data-testid="message-text">
                    <summary>{m.body}</summary>
                  </details>
                </td>
                <td>{m.channel === 'sms' ? t('messages.credits', { count: m.credits }) : '–'}</td>
                <td>
                  {t(`messages.statuses.${m.status}`)}
                  {m.error && (
                    <span className="hint" data-testid="message-reason">
                      <br />
                      {messageReason(t, m.error)}
                    </span>
                  )}
                </td>
                <td>
                  {WITHDRAWABLE.includes(m.status) &&
                    (withdrawing === m.id ? (
                      // Withdrawing cannot be undone: asked in place, never done on the first click.
                      <span className="row" data-testid="withdraw-confirm">
                        {t('messages.withdrawQuestion')}{' '}
                        <button
                          type="button"
                          className="link danger"
                          data-testid="withdraw-yes"
                          onClick={async () => {
                            setWithdrawing(null);
                            if (await run(window.clinic.messages.cancel({ id: m.id }))) load();
                          }}
                        >
                          {t('common.yes')}
                        </button>
                        <button
                          type="button"
                          className="link"
                          data-testid="withdraw-no"
                          onClick={() => setWithdrawing(null)}
                        >
                          {t('common.no')}
                        </button>
                      </span>
                    ) : (
                      <button
                        type="button"
                        className="link"
                        data-testid="withdraw"
                        onClick={() => setWithdrawing(m.id)}
                      >
                        {t('messages.cancelMessage')}
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function RecallsPanel() {
  const { t, i18n } = useTranslation('common');
  const revision = useAppStore((s) => s.revision);
  const [created, setCreated] = useState<number | null>(null);
  const { error, run } = useCommand();
  const [loaded, load] = useQuery(() => window.clinic.recalls.list(), [revision]);
  const recalls: Recall[] = loaded ?? [];
  return (
    <>
      <div className="toolbar">
        <button
          type="button"
          data-testid="recalls-run"
          onClick={async () => {
            const result = await run(window.clinic.recalls.runDue());
            if (result) setCreated(result.created);
            load();
          }}
        >
          {t('messages.recalls.runDue')}
        </button>
        {created !== null && <span role="status">{t('messages.recalls.created', { count: created })}</span>}
      </div>
      <FormError error={error} fields={[]} />
      {recalls.length === 0 ? (
        <div className="empty">
          <p>{t('messages.recalls.empty')}</p>
        </div>
      ) : (
        <table className="table" data-testid="recall-table">
          <thead>
            <tr>
              <th>{t('messages.recalls.dueDate')}</th>
              <th>{t('patients.name')}</th>
              <th>{t('messages.recalls.reason')}</th>
              <th>{t('messages.columns.status')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {recalls.map((r) => (
              <tr key={r.id}>
                <td>{formatBirthDate(r.dueDate, i18n.language)}</td>
                <td>{r.patientName}</td>
                <td>{r.reason}</td>
                <td>{t(`messages.recalls.status.${r.status}`)}</td>
                <td>
                  {r.status !== 'done' && r.status !== 'cancelled' && (
                    <button
                      type="button"
                      className="link"
                      onClick={async () =>
                        (await run(window.clinic.recalls.setStatus({ id: r.id, status: 'done' }))) && load()
                      }
                    >
                      {t('messages.recalls.markDone')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function TemplateEditor({
  kind,
  channel,
  language,
  templates,
  onSaved,
}: {
  kind: MessageKind;
  channel: 'sms' | 'email';
  language: Language;
  templates: Template[];
  onSaved: (template: Template) => void;
}) {
  const { t } = useTranslation('common');
  const current = templates.find((x) => x.kind === kind && x.channel === channel && x.language === language);
  const [subject, setSubject] = useState(current?.subject ?? '');
  const [body, setBody] = useState(current?.body ?? '');
  const [saved, setSaved] = useState(false);
  const { error, busy, run } = useCommand();
  const bodyFor = (lang: Language) =>
    lang === language
      ? body
      : (templates.find((x) => x.kind === kind && x.channel === channel && x.language === lang)?.body ?? '');

  return (
    <>
      <form
        className="form-grid"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          const template = await run(window.clinic.templates.save({ kind, channel, language, subject, body }));
          if (template) {
            onSaved(template);
            setSaved(true);
          }
        }}
      >
        <MessageFields
          kind={kind}
          channel={channel}
          subject={subject}
          onSubject={setSubject}
          body={body}
          onBody={setBody}
          error={error}
          testId="template-body"
        />
        <div className="actions">
          {saved && <span role="status">{t('messages.templates.saved')}</span>}
          <button type="submit" disabled={busy}>
            {t('messages.templates.save')}
          </button>
        </div>
      </form>
      <h3>{t('messages.templates.previewAll')}</h3>
      <div className="preview-grid">
        {LANGUAGES.map((l) => (
          <div key={l}>
            <strong>{LANGUAGE_NAMES[l]}</strong>
            <CostPreview
              kind={kind}
              channel={channel}
              body={bodyFor(l)}
              subject={l === language ? subject : ''}
              language={l}
              testId={`template-preview-${l}`}
            />
          </div>
        ))}
      </div>
    </>
  );
}

function TemplatesPanel() {
  const { t, i18n } = useTranslation('common');
  const [loaded, reload] = useQuery(() => window.clinic.templates.list(), []);
  const [kind, setKind] = useState<MessageKind>('reminder');
  const [channel, setChannel] = useState<'sms' | 'email'>('sms');
  // The editor opens on the templates of the UI's language.
  const [language, setLanguage] = useState<Language>(() => (isLanguage(i18n.language) ? i18n.language : 'en'));
  if (!loaded) return null;
  return (
    <div className="templates">
      <div className="toolbar">
        <select
          value={kind}
          aria-label={t('messages.templates.kind')}
          onChange={(e) => setKind(e.target.value as MessageKind)}
        >
          {MESSAGE_KINDS.filter((k) => k !== 'free_text').map((k) => (
            <option key={k} value={k}>
              {t(`messages.kinds.${k}`)}
            </option>
          ))}
        </select>
        <select
          value={channel}
          aria-label={t('messages.form.channel')}
          onChange={(e) => setChannel(e.target.value as 'sms' | 'email')}
        >
          <option value="sms">{t('patients.channels.sms')}</option>
          <option value="email">{t('patients.channels.email')}</option>
        </select>
        <div className="segmented" role="group" aria-label={t('messages.templates.language')}>
          {LANGUAGES.map((l) => (
            <button
              key={l}
              type="button"
              aria-pressed={language === l}
              data-testid={`template-language-${l}`}
              onClick={() => setLanguage(l)}
            >
              {LANGUAGE_NAMES[l]}
            </button>
          ))}
        </div>
      </div>
      <TemplateEditor
        key={`${kind}-${channel}-${language}`}
        kind={kind}
        channel={channel}
        language={language}
        templates={loaded}
        onSaved={reload}
      />
    </div>
  );
}

export function MessagesView() {
  const { t } = useTranslation('common');
  const [tab, setTab] = useState<Tab>('scheduled');
  const [composing, setComposing] = useState(false);
  return (
    <section data-testid="view-messages">
      <div className="toolbar">
        <Tabs
          tabs={TABS}
          selected={tab}
          onSelect={setTab}
          label={(name) => t(`messages.tabs.${name}`)}
          testPrefix="messages-tab"
        />
        <button type="button" data-testid="compose-open" onClick={() => setComposing(true)}>
          {t('messages.compose')}
        </button>
      </div>
      {tab === 'recalls' ? <RecallsPanel /> : tab === 'templates' ? <TemplatesPanel /> : <MessageTable tab={tab} />}
      {composing && <ComposeDialog onClose={() => setComposing(false)} />}
    </section>
  );
}
