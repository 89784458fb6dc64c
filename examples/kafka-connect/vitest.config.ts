import { vitestConfig } from '../../vitest.shared';

/**
 * End-to-end against the real system: one Kafka Connect worker for the whole suite (its start is the expensive
 * part), so one file, run alone. The shared stack comes up in the test's beforeAll through ensureKafkaConnect().
 */
export default vitestConfig({
  include: ['test/**/*.e2e.test.ts'],
  testTimeout: 240_000,
  hookTimeout: 420_000,
  fileParallelism: false,
  maxWorkers: 1,
});
