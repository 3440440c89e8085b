/**
 * SMS leave the server through a gateway. The embedded default appends each message as a JSON line to
 * sms-outbox.jsonl in the data folder (a single-machine install, and what the tests read); the carrier
 * adapter comes with message sending.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface SmsGateway {
  send(to: string, text: string): Promise<void>;
}

export const SMS_FILE = 'sms-outbox.jsonl';

export function fileSmsGateway(dataDir: string, now: () => number = Date.now): SmsGateway {
  return {
    send: async (to, text) => {
      mkdirSync(dataDir, { recursive: true });
      appendFileSync(join(dataDir, SMS_FILE), `${JSON.stringify({ at: new Date(now()).toISOString(), to, text })}\n`, {
        mode: 0o600,
      });
    },
  };
}
