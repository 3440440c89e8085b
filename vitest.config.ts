import { defineConfig } from 'vitest/config';
import SummaryReporter from './test/harness/summaryReporter.ts';

// unit: plain Node (core, shell with electron mocked); integration: real SQLite files and the real server
// on loopback; e2e: the built renderer in Debian's Chromium (and Electron where its binary exists).
export default defineConfig({
  test: {
    reporters: ['default', new SummaryReporter()],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 20_000 } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false, // two cores: one browser at a time
        },
      },
    ],
  },
});
