import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: path.resolve(import.meta.dirname, '..'),
  test: {
    include: ['server/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: browser and media tests are heavy, so run at most two files at once.
    maxWorkers: 2,
    // No webcast encoders except where a test asks for one (test/media/webcast.test.ts):
    // every published test stream would otherwise start an ffmpeg on two busy cores.
    env: { LOG_LEVEL: 'silent', WEBCAST_ENABLED: 'false' },
  },
});
