/**
 * The renderer when things go wrong, in Chromium over the real core: a view whose data cannot be loaded says
 * so (it used to stay blank), the core worker's crash and restart reach the user, a view that throws while
 * rendering shows a way back instead of a white window, and unhandled errors reach the log file support
 * asks for.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logPath } from '../../src-main/core/config';
import en from '../../src-renderer/locales/en/common.json';
import { launchChromium } from '../harness/chromium';
import { startHarness, type Harness } from '../harness/testBridge';

let browser: Browser;
let harness: Harness;

beforeAll(async () => {
  browser = await launchChromium();
  harness = await startHarness({ browser, osLocales: ['en-US'] });
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
});

const logText = () => {
  const file = logPath(harness.dataDir, 'app');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
};

describe('when something fails', () => {
  it('a view whose data cannot be loaded says why, translated, and can be dismissed', async () => {
    const { page } = harness;
    harness.answer('messages.list', {
      ok: false,
      error: { code: 'core_restarted', message: 'The core worker stopped while working on this command' },
    });
    try {
      await harness.open('messages');
      const notice = page.getByTestId('error-notice');
      await expect.poll(() => notice.textContent()).toContain(en.errors.core_restarted);
      await notice.getByRole('button', { name: en.errors.dismiss }).click();
      await notice.waitFor({ state: 'detached' });
    } finally {
      harness.answer('messages.list', null);
    }
  });

  it('tells the user when the core worker stopped and was given up', async () => {
    const { page } = harness;
    await harness.open('agenda');
    harness.emit('app.coreRestarted', { restarting: false });
    await expect.poll(() => page.getByTestId('error-notice').getAttribute('data-code')).toBe('core_unavailable');
    expect(await page.getByTestId('error-notice').textContent()).toContain(en.errors.core_unavailable);
  });

  it('a view that throws while rendering shows a way back, and the error is in the log file', async () => {
    const { page } = harness;
    // A message whose time no date formatter can show: the table throws while rendering.
    harness.answer('messages.list', {
      ok: true,
      value: [
        {
          id: 'x',
          kind: 'reminder',
          channel: 'sms',
          recipient: '+491712345678',
          subject: '',
          body: 'x',
          scheduledAt: 8.64e15 + 1,
          segments: 1,
          credits: 1,
          status: 'scheduled',
          createdAt: 0,
          sentAt: null,
          deliveredAt: null,
          failedAt: null,
          cancelledAt: null,
          error: null,
          patientId: null,
          patientName: null,
          appointmentId: null,
          recallId: null,
        },
      ],
    });
    try {
      await harness.open('messages');
      await page.getByTestId('error-boundary').waitFor();
      expect(await page.getByTestId('error-boundary').textContent()).toContain(en.errors.boundaryTitle);
      await expect.poll(logText).toContain('"source":"renderer:boundary"');
      // The rest of the app still works: another view opens.
      await page.getByTestId('nav-agenda').click();
      await page.getByTestId('view-agenda').waitFor();
    } finally {
      harness.answer('messages.list', null);
    }
  });

  it('writes unhandled rejections of the renderer to the log file', async () => {
    const { page } = harness;
    await harness.open('agenda');
    await page.evaluate(() => {
      void Promise.reject(new Error('nobody handled e2e-7f3a'));
    });
    await expect.poll(logText).toContain('nobody handled e2e-7f3a');
    const entry = logText()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { source: string; message: string })
      .find((e) => e.message.includes('e2e-7f3a'));
    expect(entry).toMatchObject({ source: 'renderer:unhandledrejection' });
  });
});
