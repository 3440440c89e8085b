/**
 * An auditor's scanner as an independent reference: Electronegativity (Doyensec) reads the shell's source
 * and must find every security option where the window is created: context isolation, the sandbox, and
 * the Auxclick Blink feature switched off. (It runs offline; its network look-ups fail and are ignored.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { projectRoot } from '../../../scripts/projectRoot';

it('finds nothing wrong in how the window is created', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'cd-eneg-')), 'findings.csv');
  spawnSync(
    process.execPath,
    [
      join(projectRoot(), 'node_modules/@doyensec/electronegativity/dist/index.js'),
      '-i',
      join(projectRoot(), 'src-main'),
      '-e',
      '45.0.0',
      '-l',
      'ContextIsolationJSCheck,SandboxJSCheck,AuxclickJSCheck,NodeIntegrationJSCheck,InsecureContentJSCheck,ExperimentalFeaturesJSCheck',
      '-r',
      '-o',
      out,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const findings = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]);
  expect(findings).toEqual([]);
}, 90_000);
