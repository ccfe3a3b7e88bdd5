// Real-browser tests (npm run test:e2e): only the *.e2e.ts files, one at a time (each drives its
// own Chromium). The transform is the one jest.config.js uses, repeated here so that this config
// stays one plain project whatever shape the main config takes.
export default {
  rootDir: '../..',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
      module: { type: 'es6' },
    }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/e2e/**/*.e2e.ts'],
  maxWorkers: 1,
  testTimeout: 90_000,
};
