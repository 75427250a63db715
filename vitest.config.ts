import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Installs (as root on Debian) or asks for the system packages the selected suites need.
    globalSetup: ['test/setup/system-packages.ts'],
    // cel-js and jose load on demand in the gateway; unit tests compile CEL and JWT policies directly.
    setupFiles: ['test/setup/optional-modules.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files run in parallel: e2e gateways, mocks and Redis servers take free ports
    // (test/helpers/ports.ts), never fixed ones. e2e files mostly wait on gateway processes, so
    // more workers than cores pays (2 cores: 3 workers); at most the 12 port slices ports.ts has.
    fileParallelism: true,
    maxWorkers: Math.min(12, Math.ceil(availableParallelism() * 1.5)),
    reporters: ['default'],
  },
});
