import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import SummaryReporter from './test/harness/summaryReporter.ts';

const services = ['test/harness/globalSetup.ts'];
// The server's tests run on both databases. Where PostgreSQL is not installed, that project runs one file
// that reports the reason as a skip instead of failing every test.
const hasPostgres =
  existsSync('/usr/lib/postgresql') &&
  readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));

// unit: plain Node (core, shell with electron mocked); integration: real SQLite files, PostgreSQL and the
// real server on loopback; e2e: the built renderer in Debian's Chromium (and Electron where its binary exists).
export default defineConfig({
  test: {
    reporters: ['default', new SummaryReporter()],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: ['test/integration/postgresMissing.test.ts'],
          testTimeout: 20_000,
          expect: { poll: { timeout: 10_000 } },
          globalSetup: services,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration-pg',
          expect: { poll: { timeout: 10_000 } },
          include: hasPostgres
            ? ['test/integration/server/**/*.test.ts']
            : ['test/integration/postgresMissing.test.ts'],
          testTimeout: 20_000,
          globalSetup: services,
          env: { CLINICDESK_TEST_DIALECT: 'postgres' },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // A condition polled in a browser (a camera preview playing, a peer connecting) gets what the
          // slowest honest machine needs, with the other core busy: expect.poll's 1 s default is not that.
          expect: { poll: { timeout: 15_000, interval: 50 } },
          fileParallelism: false, // two cores: one browser at a time
          globalSetup: services,
        },
      },
    ],
  },
});
