/**
 * The desktop's log file, which support can ask for: one JSON line per entry, in `<dataDir>/logs/`. When a
 * file would grow past its limit it is renamed to `.1` (`.1` to `.2`, …) and a new one begun, so the logs
 * never take more than (keep + 1) × maxBytes. Writes are synchronous appends: an entry written just before
 * a crash is on disk. Only what went wrong is logged (messages and stacks), never commands' inputs, which
 * can hold patient data.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'error' | 'warn' | 'info';

export interface LogEntry {
  level: LogLevel;
  /** Who reports it: 'main', 'core', 'renderer'. */
  source: string;
  message: string;
  stack?: string;
}

export class RotatingLog {
  constructor(
    readonly file: string,
    private readonly options: { maxBytes: number; keep: number; now: () => number } = {
      maxBytes: 1024 * 1024,
      keep: 3,
      now: Date.now,
    },
  ) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  }

  write(entry: LogEntry): void {
    const line = `${JSON.stringify({ at: new Date(this.options.now()).toISOString(), ...entry })}\n`;
    try {
      const size = existsSync(this.file) ? statSync(this.file).size : 0;
      if (size > 0 && size + Buffer.byteLength(line) > this.options.maxBytes) this.rotate();
      appendFileSync(this.file, line, { mode: 0o600 });
    } catch {
      // A full disk or a removed folder must not take the app down with it: the entry is lost.
    }
  }

  /** Logs an unknown thrown value. */
  error(source: string, error: unknown): void {
    this.write({
      level: 'error',
      source,
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
    });
  }

  private rotate(): void {
    rmSync(`${this.file}.${this.options.keep}`, { force: true });
    for (let n = this.options.keep - 1; n >= 1; n -= 1) {
      if (existsSync(`${this.file}.${n}`)) renameSync(`${this.file}.${n}`, `${this.file}.${n + 1}`);
    }
    renameSync(this.file, `${this.file}.1`);
  }
}
