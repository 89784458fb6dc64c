// The fuzz suite's worker thread: runs the built loaders (parseScenario, loadConfig + resolveSettings + loadPlugins)
// on inputs the test sends, one at a time, so that the test's watchdog can terminate it if one input hangs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const load = (name, entry = 'index.js') => import(pathToFileURL(join(workerData.root, name, 'dist', entry)).href);
// The loader is a harness's name: core's runner entry.
const [core, api, kafka, prometheus, assertions, cli] = await Promise.all([
  load('core', 'runner.js'),
  ...['observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'cli'].map((name) => load(name)),
]);
const plugins = [api.apiPlugin(), kafka.kafkaPlugin(), prometheus.prometheusPlugin(), assertions.assertionsPlugin()];

parentPort.on('message', async (message) => {
  const started = performance.now();
  const reply = (result) => parentPort.postMessage({ id: message.id, ms: performance.now() - started, ...result });
  try {
    if (message.kind === 'scenario') {
      const result = core.parseScenario(message.text, { file: message.name, plugins, env: {} });
      reply({ ok: result.ok, problems: result.ok ? [] : result.problems.map(core.formatProblem) });
    } else {
      writeFileSync(join(message.dir, message.name), message.text);
      const loaded = await cli.loadConfig({ cwd: message.dir, explicit: message.name, env: { TESTER_LOAD_TIMEOUT: '2s' } });
      const settings = cli.resolveSettings({}, {}, loaded, message.dir);
      await cli.loadPlugins(settings.plugins, settings.rootDir, 2_000);
      reply({ ok: true, problems: [] });
    }
  } catch (error) {
    reply({ error: { name: error?.name, code: error?.code, message: String(error?.message ?? error).slice(0, 2_000) } });
  }
});
parentPort.postMessage({ ready: true });
