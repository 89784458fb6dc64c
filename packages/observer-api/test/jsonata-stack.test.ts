/**
 * `resources` against the real reference control plane: its `/api/v1/systems` read through JSONata (as a list, and
 * as one object per URL fed by the list) records exactly the transitions the built-in mapping records, which are
 * exactly the ones the control plane counted. The mutant: a query with a wrong field makes the source blind and
 * the scenario `error`, never `passed`.
 */
import { expectResultReplays } from '../../../scripts/test-support/replay.mjs';
import { ObservationKinds, type CatalogData, type ObserverSession, type SystemStateData } from '@tester/core';
import { parseScenario, replayScenario, runScenario, silentLogger } from '@tester/core/runner';
import { createPluginHarness, eventually, type PluginHarness } from '@tester/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureStack, startControlPlane } from '../../../scripts/stack/index.mjs';
import { apiPlugin, chaosParamsSchema, type ApiOptions } from '../src/index';

type Stack = Awaited<ReturnType<typeof ensureStack>>;
type ControlPlane = Awaited<ReturnType<typeof startControlPlane>>;

const SYSTEM = 'mysql-2';
/** The reference control plane's list, mapped by JSONata: what the built-in `fields.systems` defaults read. */
const LIST_STATES = '$.{ "system": id, "state": state, "since": since }';

let stack: Stack;
let cp: ControlPlane;
const sessions: { s: ObserverSession; h: PluginHarness }[] = [];

beforeAll(async () => {
  stack = await ensureStack();
  // A private control plane (on the stack's Kafka and MariaDB): its transitions are this test's alone.
  cp = await startControlPlane({ systems: 2 });
});
afterAll(async () => {
  await cp?.stop();
  await stack?.stop();
});
afterEach(async () => {
  for (const { s, h } of sessions.splice(0)) {
    await s.stop();
    h.controller.abort();
  }
});

async function observe(options: ApiOptions) {
  const h = createPluginHarness();
  const plugin = apiPlugin({ baseUrl: cp.url, poll: { fastInterval: '20ms', slowInterval: '1s', readyTimeout: '10s' }, ...options });
  const s = await plugin.observers!.api!.start(h.observerContext(plugin.options));
  sessions.push({ s, h });
  await s.ready();
  h.setUrgent(true);
  return { plugin, s, h };
}

/** cp_state_transitions_total{system} from the control plane's own /metrics: what really happened. */
async function transitions(system: string): Promise<Map<string, number>> {
  const text = await (await fetch(cp.metricsUrl)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^cp_state_transitions_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (labels.system === system) out.set(`${labels.from}>${labels.to}`, Number(m[2]));
  }
  return out;
}

const seen = (h: PluginHarness, since: number) =>
  h.timeline.query({ kind: ObservationKinds.systemState, subject: SYSTEM, since }).map((o) => o.data as SystemStateData);

describe('JSONata resources on the real control plane', () => {
  it('record the same states as the built-in mapping, which are the transitions the control plane counted', { timeout: 90_000 }, async () => {
    expect(stack.controlPlane.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const builtin = await observe({ observe: { policies: false, chaos: false, drift: false, reconciliations: false } });
    const list = await observe({ resources: [{ name: 'systems-jsonata', get: '/api/v1/systems', kind: 'control-plane', states: LIST_STATES }] });
    const perUrl = await observe({
      resources: [{ name: 'system-each', get: '/api/v1/systems/{item}', each: { get: '/api/v1/systems', items: 'id' }, kind: 'control-plane', states: '{ "system": $item, "state": state, "since": since }' }],
    });
    const all = [builtin, list, perUrl];
    const latest = (h: PluginHarness) => h.timeline.latest({ kind: ObservationKinds.systemState, subject: SYSTEM })?.data as SystemStateData | undefined;
    await eventually(() => all.every(({ h }) => latest(h)?.state === 'CONNECTED'), 30_000, `${SYSTEM} CONNECTED in every mapping`);
    // The same catalog from the three mappings.
    for (const { h } of all) expect((h.timeline.latest({ kind: ObservationKinds.catalog })!.data as CatalogData).ids).toEqual(['mysql', 'mysql-2']);

    const since = Math.max(...all.map(({ h }) => h.clock.now()));
    const before = await transitions(SYSTEM);
    const ctx = builtin.h.actionContext(builtin.plugin.options);
    const outcome = (await builtin.plugin.actions!.CHAOS!.run(ctx, chaosParamsSchema.parse({ system: SYSTEM, fault: 'CONNECTION_LOSS', duration: 2 })))!;
    await outcome.faults![0]!.ended;
    await eventually(() => all.every(({ h }) => latest(h)?.state === 'CONNECTED' && seen(h, since).length > 1), 30_000, `${SYSTEM} CONNECTED again in every mapping`);
    for (const { s, h } of all) await s.barrier(h.clock.now(), h.controller.signal);
    await outcome.rollback!.run(AbortSignal.timeout(10_000));

    const after = await transitions(SYSTEM);
    const happened = [...after].flatMap(([k, n]) => Array<string>(n - (before.get(k) ?? 0)).fill(k)).sort();
    const steps = (h: PluginHarness) => seen(h, since).map((d) => `${d.previous}>${d.state}`);
    expect(steps(builtin.h).sort()).toEqual(happened);
    expect(steps(list.h)).toEqual(steps(builtin.h));
    expect(steps(perUrl.h)).toEqual(steps(builtin.h));
    expect(seen(list.h, since).map((d) => d.since)).toEqual(seen(builtin.h, since).map((d) => d.since));
    expect(seen(list.h, since)[0]).toMatchObject({ state: 'DISCONNECTED', kind: 'control-plane' });
    for (const { h } of all) expect(h.blindness.events).toEqual([]);
  });

  describe('under runScenario', () => {
    const scenario = [
      'name: jsonata-systems',
      'timeout: 30',
      `systems: [${SYSTEM}]`,
      'preconditions:',
      `  - systems["${SYSTEM}"].state == "CONNECTED"`,
      'actions:',
      '  - type: CHAOS',
      `    system: ${SYSTEM}`,
      '    fault: CONNECTION_LOSS',
      '    duration: 1',
    ].join('\n');

    const run = async (states: string) => {
      const plugin = apiPlugin({
        baseUrl: cp.url,
        poll: { fastInterval: '50ms', readyTimeout: '3s' },
        resources: [{ name: 'systems-jsonata', get: '/api/v1/systems', kind: 'control-plane', states }],
      });
      const loaded = parseScenario(scenario, { file: 'jsonata-systems.yaml', plugins: [plugin] });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
      const result = await runScenario(loaded.scenario, { plugins: [plugin], logger: silentLogger() });
      expectResultReplays(result, (recorded) => replayScenario(loaded.scenario, recorded, { plugins: [plugin] }));
      return result;
    };

    it('passes with the query that fits the body', { timeout: 60_000 }, async () => {
      await eventually(async () => ((await (await fetch(`${cp.url}/api/v1/systems/${SYSTEM}`)).json()) as { state: string }).state === 'CONNECTED', 30_000, `${SYSTEM} CONNECTED`);
      const result = await run(LIST_STATES);
      expect(result.reason).toBeUndefined();
      expect(result.status).toBe('passed');
      expect(result.preconditions[0]!.status).toBe('passed');
      const states = result.timeline.filter((o) => o.kind === 'system.state' && o.subject === SYSTEM).map((o) => (o.data as SystemStateData).state);
      expect(states).toContain('DISCONNECTED');
      expect(states.at(-1)).toBe('CONNECTED');
    });

    it('the mutant: a wrong field makes the source blind and the scenario error, naming the query', { timeout: 60_000 }, async () => {
      const result = await run('$.{ "system": id, "state": status, "since": since }');
      expect(result.status).toBe('error');
      expect(result.reason).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/systems: api\.resources\[0\]\.states \(resource systems-jsonata\) yielded no state in item 0 .*query: \$\.\{ "system": id, "state": status.*each query of api\.resources fits what it answers/);
      expect(result.timeline.some((o) => o.kind === 'system.state')).toBe(false);
    });
  });
});
