/**
 * A newcomer on a machine whose Node.js is too old (20, still the default on many systems) is stopped at
 * once with what was found, what is needed and how to get it — by the build, `npm start`'s runner, the
 * server and its command line — before a native module is loaded (which would crash). Uses dist/.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/projectRoot';
import nodeVersion from '../../scripts/nodeVersion.cjs';

const ROOT = projectRoot();
const OLD_NODE = join(ROOT, 'test', 'harness', 'fixtures', 'oldNode.cjs');

const runAsOldNode = (...args: string[]) =>
  spawnSync(process.execPath, ['-r', OLD_NODE, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

describe('the Node.js version', () => {
  it('is checked against 22.12', () => {
    expect(nodeVersion.nodeProblem('20.20.2', '/usr/bin/node')).toMatch(
      /needs Node\.js 22\.12 or newer.*this is Node\.js 20\.20\.2 \(\/usr\/bin\/node\).*Node 24/,
    );
    expect(nodeVersion.nodeProblem('22.11.9')).not.toBeNull();
    expect(nodeVersion.nodeProblem('22.12.0')).toBeNull();
    expect(nodeVersion.nodeProblem('24.21.0')).toBeNull();
    expect(nodeVersion.nodeProblem('25.0.0')).toBeNull();
  });

  for (const [what, args] of [
    ['the server', ['dist/server/main.cjs', '--port=0']],
    ['the server command line', ['dist/server/main.cjs', 'create-admin', 'admin@example.org']],
    ["`npm run server`'s launcher", ['scripts/server.mjs', '--port=0']],
    ['the build', ['scripts/build.mjs']],
    ["npm start's runner", ['scripts/run-ts.mjs', 'scripts/start.ts']],
  ] as const) {
    it(`stops ${what} before any native module is loaded`, () => {
      const result = runAsOldNode(...args);
      expect(result.stderr).not.toContain('NATIVE MODULE LOADED');
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/ClinicDesk needs Node\.js 22\.12 or newer.*this is Node\.js 20\.19\.0/);
    });
  }
});
