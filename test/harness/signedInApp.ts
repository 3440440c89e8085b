/** The app of a registered user, signed in through the bridge as the sign-in screen does, opened on a view. */
import type { Browser } from 'playwright-core';
import { expect } from 'vitest';
import { startHarness, type Harness } from './testBridge';

export async function signedInApp(
  browser: Browser,
  serverUrl: string,
  username: string,
  view: string,
  password = 'Correct-Horse-7-Battery',
): Promise<Harness> {
  const harness = await startHarness({ browser, osLocales: ['en-US'], serverUrl });
  await harness.open('settings');
  const signedIn = await harness.page.evaluate(
    ([user, secret]) => window.clinic.account.signIn({ username: user!, password: secret! }),
    [username, password],
  );
  expect(signedIn).toMatchObject({ ok: true, value: { signedIn: true } });
  await harness.page.reload();
  await harness.open(view);
  return harness;
}
