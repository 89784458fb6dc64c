/**
 * The API observer and actions against the real reference control plane (shared stack, system `mysql-2`,
 * or a private instance for destructive cases).
 */
import { randomBytes } from 'node:crypto';
import { ObservationKinds, type ChaosData, type ObserverSession, type PolicyExecutionData, type SystemStateData } from '@tester/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlPlane } from '../../../scripts/stack/index.mjs';
import { apiPlugin, chaosParamsSchema, httpParamsSchema, type ApiOptions } from '../src/index';
import { createPluginHarness, eventually, type PluginHarness } from '@tester/core/testing';

const CP = () => process.env.TESTER_CONTROL_PLANE_URL ?? 'http://127.0.0.1:8080';
const SYSTEM = 'mysql-2';
const TOKEN = `stack-secret-${randomBytes(6).toString('hex')}`;

let h: PluginHarness;
let session: ObserverSession | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await session?.stop();
  session = undefined;
  h?.controller.abort();
  for (const c of cleanups.splice(0)) await c();
});

const observe = async (options: ApiOptions) => {
  h = createPluginHarness();
  const plugin = apiPlugin({ poll: { fastInterval: '20ms', slowInterval: '1s', readyTimeout: '10s' }, ...options });
  session = await plugin.observers!.api!.start(h.observerContext(plugin.options));
  return { plugin, s: session };
};

/** cp_state_transitions_total{system} from the control plane's own /metrics: what really happened. */
async function transitions(base: string, system: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^cp_state_transitions_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (labels.system === system) out.set(`${labels.from}>${labels.to}`, Number(m[2]));
  }
  return out;
}

describe('api observer on the real control plane', () => {
  it('sees exactly the state changes of a real CONNECTION_LOSS, the chaos and the policy, and never the token', async () => {
    const { plugin, s } = await observe({ baseUrl: CP(), auth: { type: 'bearer', token: TOKEN } });
    await s.ready();
    h.setUrgent(true);
    // A previous test's fault may still be winding down on this system: start from CONNECTED.
    await eventually(() => (h.timeline.latest({ kind: ObservationKinds.systemState, subject: SYSTEM })?.data as SystemStateData | undefined)?.state === 'CONNECTED', 30_000, `${SYSTEM} CONNECTED before the fault`);

    const since = h.clock.now();
    const before = await transitions(CP(), SYSTEM);
    const ctx = h.actionContext(plugin.options);
    const outcome = (await plugin.actions!.CHAOS!.run(ctx, chaosParamsSchema.parse({ system: SYSTEM, fault: 'CONNECTION_LOSS', duration: 2 })))!;
    const fault = outcome.faults![0]!;
    const endedAt = await fault.ended;
    await eventually(() => (h.timeline.latest({ kind: ObservationKinds.systemState, subject: SYSTEM })!.data as SystemStateData).state === 'CONNECTED' && h.timeline.query({ kind: ObservationKinds.systemState, subject: SYSTEM, since }).length > 0, 20_000, `${SYSTEM} CONNECTED again`);
    await s.barrier(h.clock.now(), h.controller.signal);
    await outcome.rollback!.run(AbortSignal.timeout(10_000)); // the chaos already ended: idempotent
    expect(h.ledger[0]!.struck).toBe(true);

    // What the control plane counted is exactly what the observer recorded, in order.
    const after = await transitions(CP(), SYSTEM);
    const happened = [...after].flatMap(([k, n]) => Array<string>(n - (before.get(k) ?? 0)).fill(k)).sort();
    const seen = h.timeline.query({ kind: ObservationKinds.systemState, subject: SYSTEM, since }).map((o) => o.data as SystemStateData);
    expect(seen.map((d) => `${d.previous}>${d.state}`).sort()).toEqual(happened);
    expect(seen[0]!.state).toBe('DISCONNECTED');
    expect(seen.at(-1)!.state).toBe('CONNECTED');

    const chaos = h.timeline.query({ kind: ObservationKinds.chaos }).filter((o) => (o.data as ChaosData).id === fault.id).map((o) => (o.data as ChaosData).status);
    expect(chaos).toEqual(['ACTIVE', 'ENDED']);
    expect(endedAt).toBeGreaterThan(fault.startedAt + 1500);
    const executions = h.timeline
      .query({ kind: ObservationKinds.policyExecution, subject: 'auto-recover', since })
      .map((o) => o.data as PolicyExecutionData)
      .filter((d) => d.system === SYSTEM);
    expect(executions.at(-1)?.status).toBe('SUCCEEDED');

    expect(h.everything()).not.toContain(TOKEN);
    expect(h.secrets).toContain(TOKEN);
  });

  it('barrier(T) includes a change made just before T even when polling is idle; DRIFT rolls back', async () => {
    const resource = `${SYSTEM}.tester_api_${randomBytes(4).toString('hex')}`;
    const { plugin, s } = await observe({ baseUrl: CP(), poll: { fastInterval: '50ms', slowInterval: '10s' } });
    await s.ready();
    const ctx = h.actionContext(plugin.options);
    await plugin.actions!.HTTP!.run(ctx, httpParamsSchema.parse({ method: 'PUT', path: `/api/v1/desired/${resource}`, body: 1, expect: { status: [200, 201, 204] } }));
    await s.barrier(h.clock.now(), h.controller.signal);
    const outcome = (await plugin.actions!.DRIFT!.run(ctx, { resource, desired: 2 }))!;
    const t = h.clock.now();
    await s.barrier(t, h.controller.signal);
    expect(h.clock.now() - t).toBeLessThan(2000); // the barrier polled at once, not at the idle interval
    const drift = h.timeline.query({ kind: ObservationKinds.drift, subject: resource }).map((o) => o.data as { desired: unknown });
    expect(drift.at(-1)!.desired).toBe(2);
    await outcome.rollback!.run(AbortSignal.timeout(10_000));
    const check = await (await fetch(`${CP()}/api/v1/desired/${resource}`)).json();
    expect(check).toBe(1);
  });

  it('goes blind (and ready fails) when the real control plane answers garbage or an error status', async () => {
    for (const systems of ['/metrics', '/api/v1/no-such-route']) {
      const { s } = await observe({ baseUrl: CP(), endpoints: { systems }, observe: { policies: false, chaos: false, drift: false, reconciliations: false }, poll: { readyTimeout: '1s' } });
      await expect(s.ready()).rejects.toMatchObject({ code: 'OBSERVER_NOT_READY' });
      expect(h.blindness.events[0]).toMatch(systems === '/metrics' ? /body is not JSON/ : /-> 404/);
      await s.stop();
      session = undefined;
    }
  });

  it('goes blind when a private control plane stops, and a barrier cannot pass while blind', async () => {
    const cp = await startControlPlane({ systems: 1 });
    cleanups.push(() => cp.stop());
    const { s } = await observe({ baseUrl: cp.url });
    await s.ready();
    await cp.stop();
    await eventually(() => h.blindness.blind, 10_000, 'blind');
    expect(h.blindness.events[0]).toMatch(/ECONNREFUSED|other side closed|socket|-> 5\d\d/i);
    const deadline = new AbortController();
    const barrier = s.barrier(h.clock.now(), deadline.signal);
    // Give it many fast poll attempts (a bounded observation window, not a pause the result depends on).
    const outcome = await Promise.race([barrier.then(() => 'resolved'), h.clock.until(h.clock.now() + 500).then(() => 'still waiting')]);
    expect(outcome).toBe('still waiting');
    expect(h.blindness.blind).toBe(true);
    deadline.abort(new Error('barrier deadline'));
    await expect(barrier).rejects.toThrow('barrier deadline');
  });
});
