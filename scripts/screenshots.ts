/**
 * `npm run screenshots`: every view of the renderer, and the guest page, in English and German, through
 * the same Chromium harness as the end-to-end tests. Writes screenshots/<language>/<view>.png.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VIEWS } from '../src-preload/contract';
import { buildServer } from '../server/app';
import { loadConfig } from '../server/config';
import { openServerDb } from '../server/db/database';
import { launchChromium } from '../test/harness/chromium';
import { RENDERER_DIR, ROOT, startHarness } from '../test/harness/testBridge';

const LANGUAGES = ['en', 'de'] as const;
const out = join(ROOT, 'screenshots');

async function main(): Promise<void> {
  const browser = await launchChromium();
  const config = loadConfig(
    ['--port=0', `--data-dir=${mkdtempSync(join(tmpdir(), 'clinicdesk-shots-'))}`, '--log-level=warn'],
    {},
    RENDERER_DIR,
  );
  const server = await buildServer(config, await openServerDb(config.dataDir), 'screenshots');
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
  const written: string[] = [];
  try {
    for (const language of LANGUAGES) {
      const dir = join(out, language);
      mkdirSync(dir, { recursive: true });
      const harness = await startHarness({ browser, osLocales: [language], serverUrl: base });
      try {
        for (const view of VIEWS) {
          await harness.open(view);
          const file = join(dir, `${view}.png`);
          await harness.page.screenshot({ path: file });
          written.push(file);
        }
        // The settings view showing a refused input, as a user would see it.
        await harness.open('settings');
        await harness.page.getByTestId('server-url').fill('http://clinic.example.org');
        await harness.page.getByTestId('server-url-save').click();
        await harness.page.getByTestId('server-url-error').waitFor();
        const file = join(dir, 'settings-error.png');
        await harness.page.screenshot({ path: file });
        written.push(file);
      } finally {
        await harness.close();
      }
      const context = await browser.newContext({ locale: language, viewport: { width: 900, height: 700 } });
      const page = await context.newPage();
      await page.goto(`${base}/join`);
      await page.getByTestId('guest-code').waitFor();
      const guest = join(dir, 'guest.png');
      await page.screenshot({ path: guest });
      written.push(guest);
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`screenshots: ${written.length} files in ${out}`);
}

await main();
