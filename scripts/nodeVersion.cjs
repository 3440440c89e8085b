// The Node.js this project needs, checked before anything native (better-sqlite3, argon2) is loaded: on an
// older Node they install without a word and then crash with a segmentation fault. Plain CommonJS so the
// build scripts, `npm start`, the server and its command line all share it, on any Node.
'use strict';

const NEEDED = [22, 12, 0];

/** The problem with this Node, in one paragraph, or null when it is new enough. */
function nodeProblem(version = process.versions.node, executable = process.execPath) {
  const found = String(version)
    .split('.')
    .map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < NEEDED.length; i += 1) {
    if (found[i] > NEEDED[i]) return null;
    if (found[i] < NEEDED[i]) {
      return [
        `ClinicDesk needs Node.js ${NEEDED.slice(0, 2).join('.')} or newer (Node 24 LTS is the target);`,
        `this is Node.js ${version} (${executable}).`,
        'Install Node 24 (https://nodejs.org, or `nvm install 24`, or your package manager),',
        'or run `bash .ci/run`, which fetches Node 24 from the npm registry when the system Node is older.',
        'Then run `npm ci` again: native modules built for the old Node do not work with the new one.',
      ].join(' ');
    }
  }
  return null;
}

/** Exits with the explanation when this Node is too old. */
function requireSupportedNode() {
  const problem = nodeProblem();
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}

module.exports = { NEEDED, nodeProblem, requireSupportedNode };
