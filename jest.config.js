// Jest runs our TypeScript as native ES modules (node --experimental-vm-modules),
// transpiled by swc; type checking is `npm run typecheck`.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
      module: { type: 'es6' },
    }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The CLI tests run the compiled `gatehouse` command: build it first when src/ changed.
  globalSetup: '<rootDir>/test/helpers/build-cli.js',
  testTimeout: 30000,
};
