import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type PrivateControlPlane } from '../../../scripts/stack/index.mjs';
import { EventLog, getJson, sample, sendJson, waitUntil } from './helpers.js';

type Drift = { resource: string; desired: unknown; actual: unknown; drifted: boolean };
type Rec = { id: string; resource: string; status: string; startedAt: string; finishedAt: string | null };

describe('drift and reconciliation', () => {
  let cp: PrivateControlPlane;
  let events: EventLog;
  let db: mysql.Connection;

  beforeAll(async () => {
    cp = await startControlPlane({ systems: 1 });
    [events, db] = await Promise.all([
      new EventLog(process.env.TESTER_KAFKA_BOOTSTRAP!, cp.topic).start(),
      mysql.createConnection({
        host: process.env.TESTER_MARIADB_HOST,
        port: Number(process.env.TESTER_MARIADB_PORT),
        user: process.env.TESTER_MARIADB_USER,
        password: process.env.TESTER_MARIADB_PASSWORD,
        database: cp.database,
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled([events?.stop(), cp?.stop(), db?.end()]);
  });

  const drift = async (resource: string) => (await getJson<Drift[]>(`${cp.url}/api/v1/drift`)).find((d) => d.resource === resource);
  const actualInDb = async (resource: string) => {
    const [rows] = await db.query<mysql.RowDataPacket[]>('SELECT value FROM cp_actual WHERE resource = ?', [resource]);
    return rows[0] ? JSON.parse(String(rows[0].value)) : undefined;
  };

  it('PUT desired creates drift that is detected, reconciled into MariaDB and recorded', async () => {
    const run = `drift-${Date.now()}`;
    expect(await drift('mysql.pool_size')).toEqual({ resource: 'mysql.pool_size', desired: 10, actual: 10, drifted: false });
    const put = await sendJson('PUT', `${cp.url}/api/v1/desired/mysql.pool_size`, 25, { 'X-Tester-Run': run });
    expect(put.status).toBe(200);
    expect(await getJson(`${cp.url}/api/v1/desired/mysql.pool_size`)).toBe(25);
    // Visible as drift before the loop converges it (the reconcile delay keeps it observable).
    expect(await drift('mysql.pool_size')).toMatchObject({ desired: 25, actual: 10, drifted: true });

    const rec = await waitUntil(async () => {
      const recs = await getJson<Rec[]>(`${cp.url}/api/v1/reconciliations`);
      return recs.find((r) => r.resource === 'mysql.pool_size' && r.status === 'SUCCEEDED');
    }, 'a SUCCEEDED reconciliation of mysql.pool_size', 15_000);
    expect(rec.finishedAt).not.toBeNull();
    expect(await drift('mysql.pool_size')).toMatchObject({ desired: 25, actual: 25, drifted: false });
    expect(await actualInDb('mysql.pool_size')).toBe(25);

    const ofRun = await events.until((all) => all.filter((e) => e.correlationId === run).length >= 2, 'drift events with the run id');
    const seen = ofRun.filter((e) => e.correlationId === run);
    expect(seen.map((e) => e.type)).toEqual(['DRIFT_DETECTED', 'DRIFT_RECONCILED']);
    expect(seen[0]!.payload).toEqual({ resource: 'mysql.pool_size', desired: 25, actual: 10 });
    expect(seen[1]!.payload).toEqual({ resource: 'mysql.pool_size', reconciliationId: rec.id });

    const metrics = await (await fetch(cp.metricsUrl)).text();
    expect(sample(metrics, 'cp_reconciliations_total', { resource: 'mysql.pool_size', status: 'SUCCEEDED' })).toBe(1);
    expect(sample(metrics, 'cp_reconciliation_duration_seconds_count', {})).toBeGreaterThanOrEqual(1);
    // Requests served are counted by resource: this test read drift and reconciliations, and /metrics itself.
    const before = sample(metrics, 'cp_http_requests_total', { method: 'GET', resource: 'drift' }) ?? 0;
    expect(before).toBeGreaterThanOrEqual(1);
    await fetch(`${cp.url}/api/v1/drift`);
    const after = sample(await (await fetch(cp.metricsUrl)).text(), 'cp_http_requests_total', { method: 'GET', resource: 'drift' });
    expect(after).toBe(before + 1);
  });

  it('drift made behind its back, in MariaDB, is found and converged too', async () => {
    await db.query('UPDATE cp_actual SET value = ? WHERE resource = ?', [JSON.stringify('*/5 * * * *'), 'backup.schedule']);
    await waitUntil(async () => (await actualInDb('backup.schedule')) === '0 3 * * *', 'backup.schedule converged back in MariaDB', 15_000);
    await events.until((all) => all.some((e) => e.type === 'DRIFT_RECONCILED' && e.payload.resource === 'backup.schedule'), 'DRIFT_RECONCILED for backup.schedule');
    const detected = events.events.find((e) => e.type === 'DRIFT_DETECTED' && e.payload.resource === 'backup.schedule');
    expect(detected?.payload).toEqual({ resource: 'backup.schedule', desired: '0 3 * * *', actual: '*/5 * * * *' });
  });
});
