import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Native addons and real sockets: one process per test file, never threads.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Two cores: a couple of files at a time keeps timing-sensitive socket tests honest.
    maxWorkers: 2,
  },
});
