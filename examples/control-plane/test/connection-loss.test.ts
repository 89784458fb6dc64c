import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, startPrometheus, type PrivateControlPlane } from '../../../scripts/stack/index.mjs';
import { EventLog, getJson, sendJson, waitUntil, type Loose } from './helpers.js';

type Sys = { id: string; state: string; since: string };

describe('CONNECTION_LOSS against real MariaDB, Kafka and Prometheus', () => {
  let cp: PrivateControlPlane;
  let prom: { url: string; stop(): Promise<void> };
  let events: EventLog;
  let db: mysql.Connection;

  beforeAll(async () => {
    cp = await startControlPlane({ systems: 2 });
    [prom, events, db] = await Promise.all([
      startPrometheus({ targets: [`127.0.0.1:${cp.port}`], scrapeInterval: '1s' }),
      new EventLog(process.env.TESTER_KAFKA_BOOTSTRAP!, cp.topic).start(),
      mysql.createConnection({
        host: process.env.TESTER_MARIADB_HOST,
        port: Number(process.env.TESTER_MARIADB_PORT),
        user: process.env.TESTER_MARIADB_USER,
        password: process.env.TESTER_MARIADB_PASSWORD,
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled([events?.stop(), prom?.stop(), cp?.stop(), db?.end()]);
  });

  /** Server-side ids of the connections MariaDB holds for the private database. */
  const connectionIds = async () => {
    const [rows] = await db.query<mysql.RowDataPacket[]>('SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?', [cp.database]);
    return new Set(rows.map((r) => Number(r.ID)));
  };

  it('drops the connections, goes DISCONNECTED then CONNECTED, publishes the events in order, and Prometheus sees the outage', async () => {
    const run = `run-${Date.now()}`;
    const system = (id: string) => getJson<Sys>(`${cp.url}/api/v1/systems/${id}`);
    await waitUntil(async () => (await system('mysql')).state === 'CONNECTED', 'mysql CONNECTED before the fault', 10_000);
    // The first scrape must have happened, so the outage shows up as a change in the series.
    await waitUntil(async () => {
      const r = await getJson(`${prom.url}/api/v1/query?query=${encodeURIComponent('cp_system_state{system="mysql",state="CONNECTED"}')}`);
      return r.data.result.length > 0;
    }, 'the first scrape of the private control plane', 30_000);
    const before = await connectionIds();
    expect(before.size).toBeGreaterThan(0);

    const chaosId = `${run}-loss`;
    const created = await sendJson('POST', `${cp.url}/api/v1/chaos`, { id: chaosId, system: 'mysql', fault: 'CONNECTION_LOSS', duration: 3 }, { 'X-Tester-Run': run });
    expect(created).toEqual({ status: 201, body: { id: chaosId, status: 'ACTIVE' } });
    // Idempotent: the same id again is the same fault.
    expect((await sendJson('POST', `${cp.url}/api/v1/chaos`, { id: chaosId, system: 'mysql', fault: 'CONNECTION_LOSS', duration: 3 })).status).toBe(200);

    await waitUntil(async () => (await system('mysql')).state === 'DISCONNECTED', 'mysql DISCONNECTED', 5000, 50);
    // Really dropped: connections MariaDB held before the fault are gone while it lasts.
    // MariaDB ends a thread moments after its socket closes, hence a wait rather than a single look.
    await waitUntil(async () => {
      const during = await connectionIds();
      return [...before].some((id) => !during.has(id));
    }, 'a pre-fault connection to disappear from MariaDB', 5000, 50);
    // The other system is untouched.
    expect((await system('mysql-2')).state).not.toBe('DISCONNECTED');

    await waitUntil(async () => (await system('mysql')).state === 'CONNECTED', 'mysql CONNECTED again', 15_000, 100);
    const chaos = await getJson(`${cp.url}/api/v1/chaos/${chaosId}`);
    expect(chaos).toMatchObject({ id: chaosId, system: 'mysql', fault: 'CONNECTION_LOSS', status: 'ENDED', duration: 3 });
    const after = await connectionIds();
    expect([...after].some((id) => !before.has(id))).toBe(true); // new connections through the proxy

    const executions = await getJson<Loose[]>(`${cp.url}/api/v1/policies/auto-recover/executions`);
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ policyId: 'auto-recover', system: 'mysql', status: 'SUCCEEDED' });
    expect(executions[0]!.attempts).toBeGreaterThan(1); // it retried while the fault lasted
    expect(await getJson(`${cp.url}/api/v1/policies/failover/executions`)).toEqual([]);

    const expected = [
      'CHAOS_STARTED',
      'CONNECTION_LOST',
      'STATE_CHANGED:CONNECTED>DISCONNECTED',
      'POLICY_TRIGGERED',
      'CHAOS_ENDED',
      'STATE_CHANGED:DISCONNECTED>RECOVERING',
      'STATE_CHANGED:RECOVERING>CONNECTED',
      'CONNECTION_RESTORED',
      'POLICY_SUCCEEDED',
    ];
    // A busy machine can make one system briefly DEGRADED (slow answers); that is not part of this sequence.
    const degraded = (e: (typeof events.events)[number]) => e.type === 'STATE_CHANGED' && (e.payload.from === 'DEGRADED' || e.payload.to === 'DEGRADED');
    const ofRun = (all: typeof events.events) => all.filter((e) => e.correlationId === chaosId && !degraded(e));
    await events.until((all) => ofRun(all).length >= expected.length, 'the outage events on Kafka');
    const seen = ofRun(events.events);
    expect(seen.map((e) => (e.type === 'STATE_CHANGED' ? `${e.type}:${e.payload.from}>${e.payload.to}` : e.type))).toEqual(expected);
    expect(new Set(seen.map((e) => e.system))).toEqual(new Set(['mysql']));
    expect(new Set(seen.map((e) => e.partition)).size).toBe(1); // key = system: one partition, so order holds
    expect(seen.find((e) => e.type === 'CHAOS_ENDED')!.payload).toMatchObject({ chaosId, fault: 'CONNECTION_LOSS', reason: 'EXPIRED' });

    // PromQL over the scraped metrics reflects the outage.
    const query = async (q: string) => (await getJson(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`)).data.result as { value: [number, string] }[];
    await waitUntil(async () => {
      const r = await query('max_over_time(cp_system_state{system="mysql",state="DISCONNECTED"}[5m])');
      return r[0]?.value[1] === '1';
    }, 'Prometheus to have scraped the DISCONNECTED state', 20_000, 250);
    await waitUntil(async () => {
      const r = await query('sum(cp_state_transitions_total{system="mysql",from="RECOVERING",to="CONNECTED"})');
      return r[0]?.value[1] === '1';
    }, 'Prometheus to have scraped the recovery', 20_000, 250);
    const succeeded = await waitUntil(async () => (await query('cp_policy_executions_total{policy="auto-recover",status="SUCCEEDED"}'))[0], 'the policy counter', 20_000, 250);
    expect(succeeded.value[1]).toBe('1');
  });

  it('LATENCY makes a system DEGRADED while it lasts, and DELETE ends it early', async () => {
    const chaosId = `latency-${Date.now()}`;
    const system = () => getJson<Sys>(`${cp.url}/api/v1/systems/mysql-2`);
    await sendJson('POST', `${cp.url}/api/v1/chaos`, { id: chaosId, system: 'mysql-2', fault: 'LATENCY', duration: 60, params: { latency_ms: 300 } });
    await waitUntil(async () => (await system()).state === 'DEGRADED', 'mysql-2 DEGRADED', 10_000);
    const cancelled = await sendJson('DELETE', `${cp.url}/api/v1/chaos/${chaosId}`, undefined);
    expect(cancelled.body).toMatchObject({ id: chaosId, status: 'CANCELLED' });
    await waitUntil(async () => (await system()).state === 'CONNECTED', 'mysql-2 CONNECTED after DELETE', 10_000);
    expect((await sendJson('DELETE', `${cp.url}/api/v1/chaos/${chaosId}`, undefined)).status).toBe(200);
    expect((await sendJson('DELETE', `${cp.url}/api/v1/chaos/nope`, undefined)).status).toBe(404);
    await events.until((all) => all.some((e) => e.type === 'CHAOS_ENDED' && e.correlationId === chaosId && e.payload.reason === 'CANCELLED'), 'CHAOS_ENDED CANCELLED');
  });

  it('ERROR_RATE breaks queries on the proxied connections until it ends', async () => {
    const chaosId = `errors-${Date.now()}`;
    const system = () => getJson<Sys>(`${cp.url}/api/v1/systems/mysql-2`);
    await waitUntil(async () => (await system()).state === 'CONNECTED', 'mysql-2 CONNECTED before', 10_000);
    await sendJson('POST', `${cp.url}/api/v1/chaos`, { id: chaosId, system: 'mysql-2', fault: 'ERROR_RATE', duration: 2, params: { rate: 1 } });
    await waitUntil(async () => (await system()).state === 'DISCONNECTED', 'mysql-2 DISCONNECTED by failing queries', 10_000, 50);
    await waitUntil(async () => (await system()).state === 'CONNECTED', 'mysql-2 CONNECTED after the fault', 20_000);
    const lost = await events.until((all) => all.some((e) => e.type === 'CONNECTION_LOST' && e.correlationId === chaosId), 'CONNECTION_LOST for the error fault');
    expect(lost.find((e) => e.type === 'CONNECTION_LOST' && e.correlationId === chaosId)!.payload.error).toEqual(expect.any(String));
  });

  it('rejects a bad chaos request with a message that names the field', async () => {
    const bad = await sendJson('POST', `${cp.url}/api/v1/chaos`, { system: 'mysql', fault: 'METEOR', duration: 3 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^fault: expected one of CONNECTION_LOSS, LATENCY, ERROR_RATE/);
  });
});
