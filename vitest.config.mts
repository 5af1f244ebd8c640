import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The package suite (pack, cross-built prebuilds, Node matrix, qemu) is slow: `npm run test:package`.
    exclude: [...configDefaults.exclude, 'test/package/**'],
    // Namespace suites share kernel state (netns names, bridges); run files one at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
