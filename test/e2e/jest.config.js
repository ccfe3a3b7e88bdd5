// Real-browser tests (npm run test:e2e): only the *.e2e.ts files, one at a time (each drives its
// own Chromium), with the transform every config here shares.
import { base } from '../../jest.base.js';

export default {
  ...base,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e.ts'],
  maxWorkers: 1,
  testTimeout: 90_000,
};
