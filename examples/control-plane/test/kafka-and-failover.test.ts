import { afterAll, describe, expect, it } from 'vitest';
import { startControlPlane, startKafka, type PrivateControlPlane, type PrivateKafka } from '../../../scripts/stack/index.mjs';
import { EventLog, getJson, sendJson, waitUntil, type Loose } from './helpers.js';

describe('a private broker and the failover policy', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
  });

  it('failover fires only when an outage outlasts its threshold', async () => {
    const cp: PrivateControlPlane = await startControlPlane({ systems: 1, env: { CP_FAILOVER_AFTER_MS: '1500' } });
    cleanup.push(() => cp.stop());
    const executions = (policy: string) => getJson<Loose[]>(`${cp.url}/api/v1/policies/${policy}/executions`);
    await sendJson('POST', `${cp.url}/api/v1/chaos`, { system: 'mysql', fault: 'CONNECTION_LOSS', duration: 4 });
    const failover = await waitUntil(async () => (await executions('failover')).find((e) => e.status !== 'RUNNING'), 'a finished failover execution', 20_000);
    // The standby answers only once the fault is gone, so while it lasts failover fails.
    expect(failover).toMatchObject({ policyId: 'failover', system: 'mysql', status: 'FAILED', attempts: 1 });
    await waitUntil(async () => (await executions('auto-recover')).some((e) => e.status === 'SUCCEEDED'), 'auto-recover to succeed', 20_000);
    expect(await executions('failover')).toHaveLength(1);
  });

  it('a private broker restarts, and events published meanwhile still arrive in order', async () => {
    const kafka: PrivateKafka = await startKafka();
    cleanup.push(() => kafka.stop());
    const cp = await startControlPlane({ systems: 1, kafkaBootstrap: kafka.bootstrap });
    cleanup.push(() => cp.stop());
    await kafka.stop();
    const chaos = await sendJson('POST', `${cp.url}/api/v1/chaos`, { system: 'mysql', fault: 'CONNECTION_LOSS', duration: 1 });
    expect(chaos.status).toBe(201); // the API does not depend on Kafka being up
    await waitUntil(async () => (await getJson(`${cp.url}/api/v1/systems/mysql`)).state === 'CONNECTED' && (await getJson(`${cp.url}/api/v1/chaos/${chaos.body.id}`)).status === 'ENDED', 'the outage to be over', 20_000);
    await kafka.start();
    // Read from the beginning after the restart: what was queued while the broker was down must be there.
    const events = await new EventLog(kafka.bootstrap, cp.topic).start();
    cleanup.push(() => events.stop());

    const all = await events.until((es) => es.some((e) => e.type === 'POLICY_SUCCEEDED'), 'the events queued while the broker was down', 60_000);
    const types = all.filter((e) => e.correlationId === chaos.body.id).map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(['CHAOS_STARTED', 'CONNECTION_LOST']);
    expect(types.at(-1)).toBe('POLICY_SUCCEEDED');
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length); // the idempotent producer did not duplicate
  });
});
