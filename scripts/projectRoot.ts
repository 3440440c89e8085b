import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The ClinicDesk checkout, found upwards from `start` (works from sources and from bundled scripts). */
export function projectRoot(start: string = import.meta.dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'clinicdesk')
      return dir;
    if (dirname(dir) === dir) throw new Error(`No ClinicDesk checkout above ${start}`);
  }
}
