import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Installs (as root on Debian) or asks for the system packages the selected suites need.
    globalSetup: ['test/setup/system-packages.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // e2e suites start real gateway processes on fixed ports; run files one at a time
    // so two suites never fight over a port on the 2-core CI machines.
    fileParallelism: false,
    reporters: ['default'],
  },
});
