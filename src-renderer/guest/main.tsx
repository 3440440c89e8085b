/** The patients' page, served by the server: no account, no bridge — only the browser. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { languageFromNavigator } from './language';
import { createI18n } from '../i18n/i18n';
import { GuestApp } from './GuestApp';
import '../styles.css';

async function boot(): Promise<void> {
  const i18n = await createI18n(languageFromNavigator(navigator.languages), 'guest');
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>
        <GuestApp />
      </I18nextProvider>
    </StrictMode>,
  );
}

void boot();
