/**
 * Outgoing e-mail through nodemailer: SMTP when configured; otherwise (the embedded default) every message
 * is written as an .eml file into the data folder and its path logged, so a single-machine install works
 * without a mail server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The Message-ID header: a message's own id, so that a mail sent again after a crash is recognisable. */
  messageId?: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

export function createMailer(options: {
  smtpUrl?: string;
  from: string;
  dataDir: string;
  log: (message: string, details: Record<string, unknown>) => void;
}): Mailer {
  if (options.smtpUrl) {
    const transport = nodemailer.createTransport(options.smtpUrl);
    return {
      send: async (mail) => {
        await transport.sendMail({ from: options.from, ...mail });
      },
      close: () => transport.close(),
    };
  }
  const folder = join(options.dataDir, 'mail');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let n = 0;
  return {
    send: async (mail) => {
      const info = (await transport.sendMail({ from: options.from, ...mail })) as { message: Buffer };
      mkdirSync(folder, { recursive: true });
      const file = join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${(n += 1)}.eml`);
      writeFileSync(file, info.message, { mode: 0o600 });
      options.log('mail written to file (no SMTP configured)', { file });
    },
    close: () => {},
  };
}
