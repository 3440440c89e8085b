/**
 * Foundation figures: opening (and migrating) the local database, bridge commands through the real
 * dispatcher, and the renderer's first paint in Chromium over the test bridge.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../src-main/core/core';
import { createDispatcher } from '../src-main/core/ipc/dispatcher';
import { APP_ORIGIN, isTrustedSender } from '../src-main/core/security/policy';
import { launchChromium } from '../test/harness/chromium';
import { startHarness } from '../test/harness/testBridge';
import { measure, report } from './stats';

const tmp = () => mkdtempSync(join(tmpdir(), 'clinicdesk-bench-'));
const sender = { url: `${APP_ORIGIN}/index.html`, isMainFrame: true };
const coreOptions = (dataDir: string) => ({
  dataDir,
  appVersion: 'bench',
  osLocales: ['en-US'],
  defaultServerUrl: 'http://127.0.0.1:4780',
  openExternal: () => {},
  emit: () => {},
});

export async function runFoundationBench(): Promise<void> {
  console.log('\n# foundation');
  const dirs: string[] = [];
  report(
    'open + migrate a new database file',
    await measure(50, () => {
      const dir = tmp();
      dirs.push(dir);
      createCore(coreOptions(dir)).close();
    }),
  );
  report(
    'reopen an existing database file',
    await measure(50, (i) => createCore(coreOptions(dirs[i % dirs.length]!)).close()),
  );

  const core = createCore(coreOptions(dirs[0]!));
  const dispatch = createDispatcher({ handlers: core.handlers, isTrustedSender });
  report(
    'bridge: settings.get (validate + dispatch)',
    await measure(20_000, () => dispatch('settings.get', undefined, sender)),
  );
  const languages = ['de', 'sv', 'da', 'en'] as const;
  report(
    'bridge: settings.setLanguage (one WAL write)',
    await measure(5_000, (i) => dispatch('settings.setLanguage', { language: languages[i % 4] }, sender)),
  );
  report(
    'bridge: refused input (validation error)',
    await measure(20_000, () => dispatch('settings.setLanguage', { language: 'xx' }, sender)),
  );
  core.close();

  const browser = await launchChromium();
  const harness = await startHarness({ browser });
  try {
    await harness.open('agenda');
    report(
      'renderer: load → first view rendered (Chromium)',
      await measure(20, async () => {
        await harness.page.reload();
        await harness.page.getByTestId('view-title').waitFor();
      }),
    );
    report(
      'renderer: switch language (bridge + re-render)',
      await measure(40, async (i) => {
        const language = languages[i % 4]!;
        await harness.page.getByTestId('nav-settings').click();
        await harness.page.getByTestId('language-select').selectOption(language);
        await harness.page.waitForFunction((lang) => document.documentElement.lang === lang, language);
      }),
    );
  } finally {
    await harness.close();
    await browser.close();
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
