import { defineConfig } from 'vitest/config';

// `npm run test:package`: the packed tarball as a user gets it. The global setup copies the
// working tree as a fresh clone would have it, runs `npm install` and `npm pack` there (so the
// prepack builds both prebuilds), and installs the tarball into a scratch project.
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    globalSetup: ['test/package/global-setup.ts'],
    fileParallelism: false, // the demo's timings need the CPU more than the suite needs speed
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});
