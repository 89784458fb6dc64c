import { afterAll, describe, expect, it } from 'vitest';
import { startControlPlane, type PrivateControlPlane } from '../../../scripts/stack/index.mjs';
import { EventLog, getJson, sample, sendJson, waitUntil } from './helpers.js';

type Sys = { id: string; state: string; since: string };
type Exec = { id: string; status: string; attempts: number; system: string };

// Each switch runs in a private control plane of its own (one system), so they run side by side. What each
// test checks is the one thing its switch breaks; the healthy behaviour is proven in connection-loss.test.ts.
const started: { cp: PrivateControlPlane; events: EventLog }[] = [];
afterAll(async () => {
  await Promise.allSettled(started.flatMap(({ cp, events }) => [events.stop(), cp.stop()]));
});

async function broken(misbehave: string[]) {
  const cp = await startControlPlane({ systems: 1, misbehave });
  const events = await new EventLog(process.env.TESTER_KAFKA_BOOTSTRAP!, cp.topic).start();
  started.push({ cp, events });
  return { cp, events };
}

async function loss(cp: PrivateControlPlane, seconds: number) {
  const id = `loss-${Math.random().toString(36).slice(2)}`;
  const res = await sendJson('POST', `${cp.url}/api/v1/chaos`, { id, system: 'mysql', fault: 'CONNECTION_LOSS', duration: seconds });
  expect(res.status).toBe(201);
  return id;
}

const state = async (cp: PrivateControlPlane) => (await getJson<Sys>(`${cp.url}/api/v1/systems/mysql`)).state;
const executions = (cp: PrivateControlPlane) => getJson<Exec[]>(`${cp.url}/api/v1/policies/auto-recover/executions`);
const healthChecks = async (cp: PrivateControlPlane) => sample(await (await fetch(cp.metricsUrl)).text(), 'cp_db_query_duration_seconds_count', { system: 'mysql' }) ?? 0;

describe.concurrent('misbehaviour switches: each changes what is observed', () => {
  it('no-recovery: auto-recover ends FAILED and the system stays DISCONNECTED after the fault', async () => {
    const { cp } = await broken(['no-recovery']);
    const chaosId = await loss(cp, 1);
    const failed = await waitUntil(async () => (await executions(cp)).find((e) => e.status !== 'RUNNING'), 'the execution to finish', 20_000);
    expect(failed.status).toBe('FAILED');
    expect((await getJson(`${cp.url}/api/v1/chaos/${chaosId}`)).status).toBe('ENDED');
    expect(await state(cp)).toBe('DISCONNECTED');
  });

  it('duplicate-events: every event arrives twice with the same id', async () => {
    const { cp, events } = await broken(['duplicate-events']);
    const chaosId = await loss(cp, 1);
    const all = await events.until((es) => es.filter((e) => e.type === 'POLICY_SUCCEEDED').length >= 2, 'POLICY_SUCCEEDED twice', 20_000);
    const started = all.filter((e) => e.type === 'CHAOS_STARTED' && e.correlationId === chaosId);
    expect(started).toHaveLength(2);
    expect(started[0]!.id).toBe(started[1]!.id);
    expect(started[0]!.offset).not.toBe(started[1]!.offset);
  });

  it('double-policy: auto-recover fires twice for one loss', async () => {
    const { cp } = await broken(['double-policy']);
    await loss(cp, 1);
    const done = await waitUntil(async () => {
      const list = await executions(cp);
      return list.length >= 2 && list.every((e) => e.status !== 'RUNNING') ? list : undefined;
    }, 'two finished executions', 20_000);
    expect(done.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(new Set(done.map((e) => e.id)).size).toBe(2);
  });

  it('wrong-final-state: reports DEGRADED after recovering although queries are fast', async () => {
    const { cp } = await broken(['wrong-final-state']);
    await loss(cp, 1);
    await waitUntil(async () => (await executions(cp)).some((e) => e.status === 'SUCCEEDED'), 'the recovery', 20_000);
    const checksAtRecovery = await healthChecks(cp);
    // Several healthy checks later it still says DEGRADED (a healthy control plane would say CONNECTED).
    await waitUntil(async () => (await healthChecks(cp)) >= checksAtRecovery + 4, 'four more health checks', 10_000);
    expect(await state(cp)).toBe('DEGRADED');
    const metrics = await (await fetch(cp.metricsUrl)).text();
    expect(sample(metrics, 'cp_db_query_duration_seconds_bucket', { system: 'mysql', le: '0.1' })).toBeGreaterThan(0);
  });

  it('missing-events: CONNECTION_RESTORED is never published', async () => {
    const { cp, events } = await broken(['missing-events']);
    const chaosId = await loss(cp, 1);
    // POLICY_SUCCEEDED is published right after CONNECTION_RESTORED on the same partition: once it is here, the other would be too.
    const all = await events.until((es) => es.some((e) => e.type === 'POLICY_SUCCEEDED' && e.correlationId === chaosId), 'POLICY_SUCCEEDED', 20_000);
    expect(all.some((e) => e.type === 'CONNECTION_LOST')).toBe(true);
    expect(all.some((e) => e.type === 'CONNECTION_RESTORED')).toBe(false);
    expect(await state(cp)).not.toBe('DISCONNECTED'); // it did recover; only the event is missing
  });

  it('late-recovery: recovers about 8 s after the fault ends instead of at once', async () => {
    const { cp } = await broken(['late-recovery']);
    const chaosId = await loss(cp, 1);
    await waitUntil(async () => (await getJson(`${cp.url}/api/v1/chaos/${chaosId}`)).status === 'ENDED', 'the fault to end', 10_000);
    await waitUntil(async () => (await state(cp)) === 'CONNECTED', 'the late recovery', 30_000, 100);
    const chaos = await getJson(`${cp.url}/api/v1/chaos/${chaosId}`);
    const sys = await getJson<Sys>(`${cp.url}/api/v1/systems/mysql`);
    const lateness = Date.parse(sys.since) - Date.parse(chaos.endedAt);
    expect(lateness).toBeGreaterThanOrEqual(7000);
  });

  it('stale-metrics: /metrics stays frozen at its pre-fault values while the API shows the outage', async () => {
    const { cp } = await broken(['stale-metrics']);
    await loss(cp, 2);
    await waitUntil(async () => (await state(cp)) === 'DISCONNECTED', 'DISCONNECTED in the API', 10_000, 50);
    const metrics = await (await fetch(cp.metricsUrl)).text();
    expect(sample(metrics, 'cp_system_state', { system: 'mysql', state: 'CONNECTED' })).toBe(1);
    expect(sample(metrics, 'cp_system_state', { system: 'mysql', state: 'DISCONNECTED' })).toBe(0);
    expect(sample(metrics, 'cp_chaos_active', { system: 'mysql', fault: 'CONNECTION_LOSS' })).toBeUndefined();
    await waitUntil(async () => (await executions(cp)).some((e) => e.status === 'SUCCEEDED'), 'the recovery', 20_000);
    expect(await (await fetch(cp.metricsUrl)).text()).toBe(metrics);
  });

  it('ignore-chaos: the fault is reported ACTIVE then ENDED with its events, and nothing happens to the system', async () => {
    const { cp, events } = await broken(['ignore-chaos']);
    const checksBefore = await healthChecks(cp);
    const chaosId = await loss(cp, 1);
    expect((await getJson<{ status: string }>(`${cp.url}/api/v1/chaos/${chaosId}`)).status).toBe('ACTIVE');
    const metrics = await (await fetch(cp.metricsUrl)).text();
    expect(sample(metrics, 'cp_chaos_active', { system: 'mysql', fault: 'CONNECTION_LOSS' })).toBe(1);
    await waitUntil(async () => (await getJson<{ status: string }>(`${cp.url}/api/v1/chaos/${chaosId}`)).status === 'ENDED', 'the fault to end', 10_000, 50);
    await events.until((xs) => xs.some((e) => e.type === 'CHAOS_ENDED'), 'CHAOS_ENDED', 10_000);
    // Health checks kept succeeding throughout (more of them, all fast): the proxy was never touched.
    expect(await healthChecks(cp)).toBeGreaterThan(checksBefore + 2);
    expect(await state(cp)).toBe('CONNECTED');
    expect(await executions(cp)).toEqual([]);
    expect(events.events.map((e) => e.type).filter((t) => !t.startsWith('CHAOS_'))).toEqual([]);
  });
});
