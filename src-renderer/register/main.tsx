/** The registration page the e-mailed link opens (`/register/<token>` on the server): browser only, no bridge. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { languageFromNavigator } from '../guest/language';
import { createI18n } from '../i18n/i18n';
import { RegisterPage } from './RegisterPage';
import '../styles.css';

async function boot(): Promise<void> {
  const i18n = await createI18n(languageFromNavigator(navigator.languages), 'common');
  const token = decodeURIComponent(window.location.pathname.split('/').filter(Boolean)[1] ?? '');
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>
        <RegisterPage token={token} />
      </I18nextProvider>
    </StrictMode>,
  );
}

void boot();
