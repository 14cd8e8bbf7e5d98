import { defineConfig } from 'vitest/config';

// Integration and e2e tests start real services (MariaDB, dockerd, registry, Prometheus):
// generous timeouts, and at most two files at once on a 2-core machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real Kubernetes control plane is shared by every test file that needs one.
    globalSetup: ['test/support/cluster/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    allowOnly: false,
    passWithNoTests: false,
  },
});
