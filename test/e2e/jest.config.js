// Real-browser tests (npm run test:e2e): the same transform as the unit and integration tests,
// only the *.e2e.ts files, one at a time (each drives its own Chromium).
import base from '../../jest.config.js';

export default {
  ...base,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e.ts'],
  maxWorkers: 1,
  testTimeout: 90_000,
};
