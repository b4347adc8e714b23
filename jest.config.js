// Three suites: unit (pure code, fast), integration (a real kube-apiserver + etcd started once by
// globalSetup), lab (network namespaces; needs root). Tests are TypeScript, transpiled per file by
// ts-jest (type checking is `make build`'s job), run as native ESM.
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

export default {
  // Integration and lab tests start real processes and wait for real networks.
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.test.ts'],
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.int\\.test\\.ts$', '\\.lab\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.int.test.ts'],
      globalSetup: '<rootDir>/e2e/testenv/jest-global-setup.ts',
      globalTeardown: '<rootDir>/e2e/testenv/jest-global-teardown.ts',
    },
    {
      ...common,
      displayName: 'lab',
      testMatch: ['<rootDir>/**/*.lab.test.ts'],
      globalTeardown: '<rootDir>/e2e/testenv/jest-global-teardown.ts',
    },
  ],
};
