/**
 * Process boundaries: only the Electron shell and the preload import 'electron'. The lint rule enforces
 * it; this test proves the rule fires, and scans the tree in case the lint config is ever changed.
 */
import { ESLint } from 'eslint';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const ALLOWED = (file: string) => file.startsWith('src-main/shell/') || file === 'src-preload/preload.ts';
const IMPORTS_ELECTRON =
  /(?:from\s+['"]electron['"]|require\(\s*['"]electron['"]\s*\)|import\(\s*['"]electron['"]\s*\))/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mjs|js)$/.test(entry.name) ? [relative(ROOT, path)] : [];
  });
}

describe('process boundaries', () => {
  it('no file outside the shell and the preload imports electron', () => {
    const offenders = ['src-main', 'src-preload', 'src-renderer', 'server', 'bench', 'scripts']
      .flatMap((dir) => sourceFiles(join(ROOT, dir)))
      .filter((file) => !ALLOWED(file) && IMPORTS_ELECTRON.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  const eslint = new ESLint({ cwd: ROOT });
  const restricted = async (code: string, filePath: string) => {
    const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it('the lint rule rejects electron in the core, the renderer and the server', async () => {
    const code = "import { app } from 'electron';\nexport const name = app.name;\n";
    for (const file of [
      'src-main/core/planted.ts',
      'src-renderer/app/planted.tsx',
      'server/planted.ts',
      'src-preload/api-planted.ts',
    ]) {
      expect(await restricted(code, file), file).toHaveLength(1);
    }
    expect(await restricted(code, 'src-main/shell/planted.ts')).toEqual([]);
  });

  it('the lint rule keeps Node and the main process out of the renderer', async () => {
    expect(
      await restricted(
        "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
        'src-renderer/app/x.ts',
      ),
    ).toHaveLength(1);
    expect(
      await restricted(
        "import { createCore } from '../../src-main/core/core';\nexport const c = createCore;\n",
        'src-renderer/app/x.ts',
      ),
    ).toHaveLength(1);
    expect(
      await restricted(
        "import { createCore } from '../src-main/core/core';\nexport const c = createCore;\n",
        'server/x.ts',
      ),
    ).toHaveLength(1);
  });

  it('keeps the shared protocol free of everything but zod, and lets every side use it', async () => {
    for (const code of [
      "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      "import { buildServer } from '../server/app';\nexport const b = buildServer;\n",
      "import { createCore } from '../src-main/core/core';\nexport const c = createCore;\n",
    ])
      expect(await restricted(code, 'protocol/planted.ts'), code).toHaveLength(1);
    const uses = "import { accountRoutes } from '../../protocol/accounts';\nexport const r = accountRoutes;\n";
    for (const file of ['server/http/x.ts', 'src-renderer/app/x.ts', 'src-main/core/x.ts'])
      expect(await restricted(uses, file), file).toEqual([]);
  });
});
