// What every jest config here shares (jest.config.js, test/e2e/jest.config.js): our TypeScript
// runs as native ES modules (node --experimental-vm-modules), transpiled by swc; type checking
// is `npm run typecheck`. A module of its own, free of jest.config.js's side effects (the
// redis-server probe, the warning or CI failure when Redis is missing), so any config can import it.
export const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
      module: { type: 'es6' },
    }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
