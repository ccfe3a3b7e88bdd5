import { describe } from '@jest/globals';
import { createMemoryStore } from '../../src/store/memory/create-memory-store.js';
import { adminRecordsContract } from './admin-records-contract.js';
import { storeContract } from './store-contract.js';

describe('the embedded store', () => {
  storeContract(async () => createMemoryStore());
  adminRecordsContract(async () => createMemoryStore());
});
