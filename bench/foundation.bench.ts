/**
 * Foundation figures: opening (and migrating) the local database, bridge commands through the real
 * dispatcher, and the renderer's first paint in Chromium over the test bridge.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../src-main/core/core';
import { createDispatcher } from '../src-main/core/ipc/dispatcher';
import { APP_ORIGIN, isTrustedSender } from '../src-main/core/security/policy';
import { launchChromium } from '../test/harness/chromium';
import { startHarness } from '../test/harness/testBridge';
import {
  eachRun,
  loadAverage,
  measure,
  medianRun,
  percentile,
  report,
  reportAgainst,
  RUNS,
  type PairedRun,
} from './stats';

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

/** A bare better-sqlite3 file opened as the core opens its own (WAL), with nothing of ours: the baseline. */
function openBare(dir: string): void {
  const db = new Database(join(dir, 'bare.sqlite'));
  db.pragma('journal_mode = WAL');
  db.close();
}

interface FoundationRun {
  create: PairedRun;
  reopen: PairedRun;
  get: PairedRun;
  write: PairedRun;
  refused: PairedRun;
  firstView: PairedRun;
  language: number[];
}

/**
 * Each figure beside a baseline measured in the same run (issue 13): opening with a bare better-sqlite3
 * file, the bridge's commands with the same handler called directly (no sender check, no schema), a
 * refused input with the accepted one, the renderer's first view with Chromium navigating to a one-line
 * page. Three runs; the median run of each figure is reported.
 */
export async function runFoundationBench(): Promise<void> {
  console.log('\n# foundation');
  const dirs: string[] = [];
  const browser = await launchChromium();
  const harness = await startHarness({ browser });
  const languages = ['de', 'sv', 'da', 'en'] as const;
  const runs: FoundationRun[] = [];
  try {
    await harness.open('agenda');
    for (let r = 0; r < RUNS; r += 1) {
      const created: string[] = [];
      const create = await measure(50, () => {
        const dir = tmp();
        created.push(dir);
        createCore(coreOptions(dir)).close();
      });
      const createBare = await measure(50, () => {
        const dir = tmp();
        created.push(dir);
        openBare(dir);
      });
      const reopen = await measure(50, (i) => createCore(coreOptions(created[i % 50]!)).close());
      const reopenBare = await measure(50, (i) => openBare(created[50 + (i % 50)]!));
      dirs.push(...created);

      const core = createCore(coreOptions(created[0]!));
      const dispatch = createDispatcher({ handlers: core.handlers, isTrustedSender });
      const get = await measure(20_000, () => dispatch('settings.get', undefined, sender));
      const getBare = await measure(20_000, () => core.handlers.settings.get(undefined));
      const write = await measure(5_000, (i) =>
        dispatch('settings.setLanguage', { language: languages[i % 4] }, sender),
      );
      const writeBare = await measure(5_000, (i) =>
        core.handlers.settings.setLanguage({ language: languages[i % 4]! }),
      );
      const refused = await measure(20_000, () => dispatch('settings.setLanguage', { language: 'xx' }, sender));
      const accepted = await measure(20_000, () => dispatch('settings.setLanguage', { language: 'en' }, sender));
      core.close();

      const firstView = await measure(20, async () => {
        await harness.page.reload();
        await harness.page.getByTestId('view-title').waitFor();
      });
      const blank = await measure(20, async () => {
        await harness.page.goto('data:text/html,<h1 data-testid="blank">ClinicDesk</h1>');
        await harness.page.getByTestId('blank').waitFor();
      });
      await harness.open('agenda');
      const language = await measure(40, async (i) => {
        const next = languages[i % 4]!;
        await harness.page.getByTestId('nav-settings').click();
        await harness.page.getByTestId('language-select').selectOption(next);
        await harness.page.waitForFunction((lang) => document.documentElement.lang === lang, next);
      });
      runs.push({
        create: { product: create, baseline: createBare },
        reopen: { product: reopen, baseline: reopenBare },
        get: { product: get, baseline: getBare },
        write: { product: write, baseline: writeBare },
        refused: { product: refused, baseline: accepted },
        firstView: { product: firstView, baseline: blank },
        language,
      });
    }
  } finally {
    await harness.close();
    await browser.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  const pairs = (pick: (run: FoundationRun) => PairedRun) => runs.map(pick);
  reportAgainst(
    'open + migrate a new database file',
    'open a bare SQLite file (WAL)',
    pairs((r) => r.create),
  );
  reportAgainst(
    'reopen an existing database file',
    'reopen a bare SQLite file',
    pairs((r) => r.reopen),
  );
  reportAgainst(
    'bridge: settings.get (validate + dispatch)',
    'the handler called directly',
    pairs((r) => r.get),
  );
  reportAgainst(
    'bridge: settings.setLanguage (one WAL write)',
    'the handler called directly',
    pairs((r) => r.write),
  );
  reportAgainst(
    'bridge: refused input (validation error)',
    'the same command accepted',
    pairs((r) => r.refused),
  );
  reportAgainst(
    'renderer: load → first view rendered (Chromium)',
    'Chromium navigating to a one-line page',
    pairs((r) => r.firstView),
  );
  const p99 = (xs: readonly number[]) => percentile(xs, 99);
  report(
    'renderer: switch language (bridge + re-render) (median run)',
    medianRun(runs, (r) => p99(r.language)).language,
  );
  console.log(`  ${eachRun(runs, (r) => `p99 ${p99(r.language).toFixed(2)} ms`)}; load average ${loadAverage()}`);
}
