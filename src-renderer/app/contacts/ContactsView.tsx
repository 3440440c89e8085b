import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Contact } from '../../../src-preload/contract';
import { FieldError, useCommand } from '../../components/forms';
import { useQuery } from '../../components/useQuery';
import { SignedInOnly } from '../account/SignedInOnly';
import { ContactSmsDialog } from './ContactSmsDialog';

/** Colleagues (automatic), added external users, and the search among those who opted in. */
export function ContactsView() {
  return (
    <SignedInOnly view="contacts">
      <Contacts />
    </SignedInOnly>
  );
}

const display = (c: Contact) => c.name || c.username;

function Contacts() {
  const { t } = useTranslation('common');
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  useQuery(async () => {
    const result = await window.clinic.contacts.list();
    if (result.ok) setContacts(result.value);
    return result;
  }, []);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Contact[] | null>(null);
  const [texting, setTexting] = useState<Contact | null>(null);
  const search = useCommand();
  const change = useCommand();
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFound(await search.run(window.clinic.contacts.search({ query })));
  };
  const known = new Set(contacts?.map((c) => c.id));

  return (
    <div className="settings" data-testid="view-contacts">
      {texting && <ContactSmsDialog contact={texting} onClose={() => setTexting(null)} />}
      <section className="card">
        <h2>{t('contacts.title')}</h2>
        {contacts?.length === 0 && <p className="hint">{t('contacts.none')}</p>}
        <table className="table" data-testid="contact-list">
          <tbody>
            {contacts?.map((c) => (
              <tr key={c.id}>
                <td>{display(c)}</td>
                <td className="mono">{c.username}</td>
                <td>{c.organisationName ?? ''}</td>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => setTexting(c)}
                    data-testid={`contact-sms-${c.id}`}
                  >
                    {t('contacts.sms.open')}
                  </button>
                </td>
                <td>
                  {c.source === 'organisation' ? (
                    <span className="chip">{t('contacts.colleague')}</span>
                  ) : (
                    <button
                      type="button"
                      className="link"
                      onClick={async () => {
                        const next = await change.run(window.clinic.contacts.remove({ id: c.id }));
                        if (next) setContacts(next);
                      }}
                    >
                      {t('contacts.remove')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>{t('contacts.searchTitle')}</h2>
        <form onSubmit={submit} noValidate className="field">
          <label htmlFor={id}>{t('contacts.searchLabel')}</label>
          <div className="row">
            <input id={id} value={query} onChange={(e) => setQuery(e.target.value)} data-testid="contact-query" />
            <button type="submit" disabled={search.busy} data-testid="contact-search">
              {t('contacts.search')}
            </button>
          </div>
          <p className="hint">{t('contacts.searchHint')}</p>
          <FieldError error={search.error} />
        </form>
        {found?.length === 0 && <p className="hint">{t('contacts.noResults')}</p>}
        <ul className="plain" data-testid="contact-results">
          {found?.map((c) => (
            <li key={c.id} className="row spread">
              <span>
                {display(c)} <span className="mono">{c.username}</span> {c.organisationName ?? ''}
              </span>
              {known.has(c.id) ? (
                <span className="hint">{t('contacts.added')}</span>
              ) : (
                <button
                  type="button"
                  onClick={async () => {
                    const next = await change.run(window.clinic.contacts.add({ id: c.id }));
                    if (next) setContacts(next);
                  }}
                >
                  {t('contacts.add')}
                </button>
              )}
            </li>
          ))}
        </ul>
        <FieldError error={change.error} />
      </section>
    </div>
  );
}
