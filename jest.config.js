/**
 * Three levels, named by file suffix:
 *   *.unit.spec.ts  pure code, no infrastructure
 *   *.int.spec.ts   a real broker, database or tool; the stack is brought up by the harness
 *   *.e2e.spec.ts   the whole stack and the services
 * `npm test` runs all three; `npx jest --selectProjects unit` runs one level.
 */
const base = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
    '/node_modules/(@platformatic|@nestjs)/.+\\.js$': '<rootDir>/test/harness/esm-to-cjs.transform.js',
  },
  // Transformed: the ES-module-only packages (see the transform); nothing else in node_modules,
  // not even a package installed inside one of them (its own node_modules/).
  transformIgnorePatterns: ['/node_modules/(?!(@platformatic|@nestjs)/)'],
  moduleNameMapper: { '^@orderflow/(.*)$': '<rootDir>/libs/$1/src' },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/', '/.cache/'],
  // Nor crawled: Postgres' logical decoding keeps *.snap files under .data, which jest would take for obsolete snapshots.
  modulePathIgnorePatterns: ['<rootDir>/.data/', '<rootDir>/.cache/'],
  setupFiles: ['<rootDir>/test/harness/nest-log-levels.ts'],
};

const withStack = {
  ...base,
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  slowTestThreshold: 30,
};

module.exports = {
  // A global option (projects cannot set it): integration steps wait on real brokers.
  testTimeout: 120_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/**/*.unit.spec.ts'] },
    { ...withStack, displayName: 'int', testMatch: ['<rootDir>/**/*.int.spec.ts'] },
    { ...withStack, displayName: 'e2e', testMatch: ['<rootDir>/**/*.e2e.spec.ts'] },
  ],
};
