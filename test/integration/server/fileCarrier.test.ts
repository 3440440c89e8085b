/**
 * The embedded SMS gateway (one JSON file per message): a file appears whole or not at all, and a message
 * sent twice at once (a retry racing the first attempt) is one file. Checked by really racing: 200 sends,
 * each of them twice at once, while another loop reads the folder as an operator's script would.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileCarrier, SMS_FOLDER } from '../../../server/sending/carriers';

describe('file carrier', () => {
  it('never shows a half-written file, and one file per message however often it is sent', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-sms-'));
    const folder = join(dataDir, SMS_FOLDER);
    const carrier = fileCarrier(dataDir);
    const text = 'Ihr Termin morgen um 09:30 Uhr. '.repeat(40); // long enough to be written in pieces
    let done = false;
    const seen: string[] = [];
    const reader = (async () => {
      while (!done) {
        if (existsSync(folder)) {
          for (const name of readdirSync(folder)) {
            const content = readFileSync(join(folder, name), 'utf8');
            seen.push(content);
            JSON.parse(content); // throws on an empty or partial file
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const references = Array.from({ length: 200 }, () => randomUUID());
    const answers = await Promise.all(
      references.flatMap((reference) => [1, 2].map(() => carrier.send({ reference, to: '+4917612345678', text }))),
    );
    done = true;
    await reader;
    expect(answers.map((a) => a.providerId).sort()).toEqual([...references, ...references].sort());
    expect(readdirSync(folder).sort()).toEqual(references.map((r) => `${r}.json`).sort());
    expect(readdirSync(join(dataDir, `${SMS_FOLDER}.partial`))).toEqual([]);
    expect(seen.length).toBeGreaterThan(0);
  });
});
