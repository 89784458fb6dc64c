/**
 * kafkajs is loaded when the plugin first talks to a broker, not when the plugin is imported: `tester --version`,
 * `tester validate` and a harness that only builds the plugin never pay for it (about 100 ms). Checked on the built
 * packages (the snapshot e2e-install.ts made), in child processes whose module cache a preload reads at exit.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { project } from './cli-helpers';
import { E2E_INSTALL, E2E_STALE } from './e2e-install';
import { createTopic, randomTopic, sharedBootstrap } from './kafka-helpers';

/** Writes, at exit, whether any kafkajs file was loaded (ESM imports of CommonJS go through the same cache). */
const PRELOAD = `process.on('exit', () => {
  const loaded = Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]kafkajs[\\\\/]/.test(file));
  require('node:fs').writeFileSync(process.env.KAFKAJS_REPORT, JSON.stringify({ loaded }));
});
`;

let topic: string;
beforeAll(async () => {
  topic = randomTopic('lazy');
  await createTopic(sharedBootstrap(), topic, 1);
});

/** Runs `node <args>` in `dir` with the preload; its exit code, output, and whether kafkajs was loaded. */
function node(dir: string, args: string[]): { code: number | null; output: string; loaded: boolean } {
  if (E2E_STALE) throw new Error(E2E_STALE);
  const report = join(dir, `kafkajs-${Math.random().toString(36).slice(2)}.json`);
  const result = spawnSync(process.execPath, ['--require', join(dir, 'preload.cjs'), ...args], {
    cwd: dir,
    env: { ...process.env, KAFKAJS_REPORT: report, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const { loaded } = JSON.parse(readFileSync(report, 'utf8')) as { loaded: boolean };
  return { code: result.status, output: `${result.stdout}${result.stderr}`, loaded };
}

const cli = () => join(E2E_INSTALL, 'node_modules', '@tester', 'cli', 'dist', 'bin.cjs');

describe('kafkajs is loaded on first use', () => {
  it('tester --version and tester validate of a Kafka scenario do not load it', () => {
    const dir = project({
      'preload.cjs': PRELOAD,
      'tester.config.yaml': `builtins: false\nplugins: [kafka, assertions]\nkafka:\n  brokers: ${sharedBootstrap()}\n  topics: [${topic}]\n`,
      'scenarios/publish.yaml': `name: publish\nactions:\n  - { type: KAFKA_PUBLISH, key: mysql, value: { type: DRIFT_DETECTED, system: mysql } }\nexpectations:\n  events:\n    - { type: DRIFT_DETECTED, count: 1 }\n`,
    });
    const version = node(dir, [cli(), '--version']);
    expect(version.code, version.output).toBe(0);
    expect(version.loaded).toBe(false);
    const validate = node(dir, [cli(), 'validate']);
    expect(validate.code, validate.output).toBe(0);
    expect(validate.loaded).toBe(false);
  });

  it('importing and building the plugin does not load it (ESM and CommonJS); starting the observer does', () => {
    const dir = project({ 'preload.cjs': PRELOAD });
    writeFileSync(join(dir, 'build.cjs'), `require('@tester/observer-kafka').kafkaPlugin({ topics: ['${topic}'] });\n`);
    const cjs = node(dir, ['build.cjs']);
    expect(cjs.code, cjs.output).toBe(0);
    expect(cjs.loaded).toBe(false);
    writeFileSync(
      join(dir, 'start.mjs'),
      `import { kafkaPlugin } from '@tester/observer-kafka';
import { createPluginHarness } from '@tester/core/testing';
const plugin = kafkaPlugin({ brokers: '${sharedBootstrap()}', topics: ['${topic}'] });
if (process.argv[2] === 'start') {
  const harness = createPluginHarness();
  const session = await plugin.observers.kafka.start(harness.observerContext(plugin.options, 'kafka'));
  await session.ready();
  await session.stop();
}
`,
    );
    const built = node(dir, ['start.mjs']);
    expect(built.code, built.output).toBe(0);
    expect(built.loaded).toBe(false);
    // The control: the same check sees kafkajs once the observer has talked to the broker.
    const started = node(dir, ['start.mjs', 'start']);
    expect(started.code, started.output).toBe(0);
    expect(started.loaded).toBe(true);
  });
});
