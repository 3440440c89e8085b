/** The core in its worker thread, as the app runs it (uses the built dist/main/coreWorker.cjs). */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databasePath } from '../../src-main/core/config';
import { openDatabase } from '../../src-main/core/db/database';
import { AppError } from '../../src-main/core/errors';
import { createDispatcher } from '../../src-main/core/ipc/dispatcher';
import { APP_ORIGIN, isTrustedSender } from '../../src-main/core/security/policy';
import { startCoreWorker } from '../../src-main/core/worker/workerCore';
import { ROOT } from '../harness/testBridge';

const WORKER = join(ROOT, 'dist', 'main', 'coreWorker.cjs');
const options = (dataDir: string) => ({
  dataDir,
  appVersion: 'w',
  osLocales: ['sv-SE'],
  defaultServerUrl: 'http://127.0.0.1:4780',
  timeZone: 'Europe/Stockholm',
});
const sender = { url: `${APP_ORIGIN}/index.html`, isMainFrame: true };

describe('core worker', () => {
  it('is built (npm run build)', () => {
    expect(existsSync(WORKER), `${WORKER} is missing: run npm run build first`).toBe(true);
  });

  it('answers commands, carries errors and events across, and closes', async () => {
    const events: unknown[] = [];
    const worker = await startCoreWorker(WORKER, options(mkdtempSync(join(tmpdir(), 'clinicdesk-worker-'))), {
      emit: (event, payload) => events.push([event, payload]),
      openExternal: (url) => events.push(['open', url]),
    });
    const dispatch = createDispatcher({ handlers: worker.handlers, isTrustedSender });
    try {
      expect(await dispatch('settings.get', undefined, sender)).toMatchObject({ ok: true, value: { language: 'sv' } });
      expect(await dispatch('practice.get', undefined, sender)).toMatchObject({
        ok: true,
        value: { timeZone: 'Europe/Stockholm', country: 'SE' },
      });
      expect(await dispatch('patients.get', { id: '01900000-0000-7000-8000-000000000000' }, sender)).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
      expect(
        await dispatch(
          'patients.create',
          {
            firstName: 'Åsa',
            lastName: 'Ek',
            birthDate: null,
            mobile: '08 123 456 78',
            email: null,
            language: 'sv',
            channel: 'sms',
            optOutSms: false,
            optOutEmail: false,
            notes: '',
          },
          sender,
        ),
      ).toMatchObject({
        ok: false,
        error: { code: 'validation', issues: [{ path: 'mobile', code: 'phone_not_mobile' }] },
      });
      await dispatch('settings.setLanguage', { language: 'da' }, sender);
      await dispatch('app.openLink', { link: 'help' }, sender);
      await expect
        .poll(() => events)
        .toEqual([
          ['settings.changed', expect.objectContaining({ language: 'da' })],
          ['open', 'https://clinicdesk.app/da/help'],
        ]);
    } finally {
      await worker.close();
    }
  });

  it('fails to start on a database from a newer version, with its code', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-worker-'));
    openDatabase(databasePath(dataDir)).close();
    const raw = new Database(databasePath(dataDir));
    raw.pragma('user_version = 999');
    raw.close();
    const started = startCoreWorker(WORKER, options(dataDir), { emit: () => {}, openExternal: () => {} });
    await expect(started).rejects.toBeInstanceOf(AppError);
    await expect(started).rejects.toMatchObject({ code: 'db_too_new' });
  });

  describe('when it stops', () => {
    const CRASHING = join(ROOT, 'test', 'harness', 'fixtures', 'crashingCoreWorker.cjs');
    const patient = {
      firstName: 'Åsa',
      lastName: 'Ek',
      birthDate: null,
      mobile: null,
      email: null,
      language: 'sv',
      channel: 'none',
      optOutSms: false,
      optOutEmail: false,
      notes: '',
    };

    it('fails the start with a clear error when the worker dies before it is ready (no hang)', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-worker-'));
      const started = startCoreWorker(CRASHING, { ...options(dataDir), exitEarly: true } as never, {
        emit: () => {},
        openExternal: () => {},
      });
      await expect(started).rejects.toMatchObject({ code: 'core_unavailable' });
    });

    it('fails the command it was working on, restarts, and the next command finds the data', async () => {
      const crashes: { restarting: boolean; exitCode: number | null }[] = [];
      const worker = await startCoreWorker(CRASHING, options(mkdtempSync(join(tmpdir(), 'clinicdesk-worker-'))), {
        emit: () => {},
        openExternal: () => {},
        onCrash: ({ restarting, exitCode }) => crashes.push({ restarting, exitCode }),
      });
      const dispatch = createDispatcher({ handlers: worker.handlers, isTrustedSender });
      try {
        const created = await dispatch('patients.create', patient, sender);
        expect(created).toMatchObject({ ok: true });
        await expect(worker.call('test.crash', undefined)).rejects.toMatchObject({ code: 'core_restarted' });
        expect(crashes).toEqual([{ restarting: true, exitCode: 70 }]);
        // The next command waits for the new worker rather than hanging on the dead one.
        const found = await dispatch('patients.search', { query: 'Ek' }, sender);
        expect(found).toMatchObject({ ok: true, value: [{ lastName: 'Ek' }] });
        // Through the dispatcher the renderer gets the translated code, not a hang or 'internal'.
        const crashed = await Promise.all(
          [worker.call('test.crash', undefined), dispatch('settings.get', undefined, sender)].map((p) =>
            p.then(
              () => 'ok',
              (e: AppError) => e.code,
            ),
          ),
        );
        expect(crashed[0]).toBe('core_restarted');
      } finally {
        await worker.close();
      }
    });

    it('gives up after three crashes within a minute: every command then fails with core_unavailable', async () => {
      const crashes: boolean[] = [];
      const worker = await startCoreWorker(
        CRASHING,
        options(mkdtempSync(join(tmpdir(), 'clinicdesk-worker-'))),
        { emit: () => {}, openExternal: () => {}, onCrash: ({ restarting }) => crashes.push(restarting) },
        { maxCrashes: 3, windowMs: 60_000 },
      );
      for (let i = 0; i < 3; i += 1) {
        await expect(worker.call('test.crash', undefined)).rejects.toMatchObject({ code: 'core_restarted' });
      }
      expect(crashes).toEqual([true, true, false]);
      await expect(worker.call('settings.get', undefined)).rejects.toMatchObject({ code: 'core_unavailable' });
      await worker.close();
    });
  });
});
