/** The desktop's log file: JSON lines, rotated before it passes its limit, at most keep + 1 files. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RotatingLog } from '../../src-main/core/logging/rotatingLog';

describe('rotating log', () => {
  it('writes one JSON line per entry and rotates into .1 … .keep, never exceeding the limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clinicdesk-log-'));
    const file = join(dir, 'logs', 'app.log');
    const log = new RotatingLog(file, { maxBytes: 1000, keep: 2, now: () => Date.UTC(2026, 10, 30, 12) });
    log.error('renderer:boundary', new Error('view broke'));
    const [first] = readFileSync(file, 'utf8').trim().split('\n');
    expect(JSON.parse(first!)).toMatchObject({
      at: '2026-11-30T12:00:00.000Z',
      level: 'error',
      source: 'renderer:boundary',
      message: 'view broke',
      stack: expect.stringContaining('view broke'),
    });
    for (let i = 0; i < 200; i += 1)
      log.write({ level: 'warn', source: 'core', message: `entry ${i} ${'x'.repeat(40)}` });
    expect(readdirSync(join(dir, 'logs')).sort()).toEqual(['app.log', 'app.log.1', 'app.log.2']);
    for (const name of ['app.log', 'app.log.1', 'app.log.2']) {
      expect(statSync(join(dir, 'logs', name)).size).toBeLessThanOrEqual(1000);
    }
    // The newest entry is in the current file, the one before the rotation in .1.
    expect(readFileSync(file, 'utf8')).toContain('entry 199 ');
    expect(existsSync(`${file}.3`)).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
