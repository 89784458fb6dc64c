/**
 * The Prometheus observer against a real Prometheus (private, scraping a private control plane every second)
 * and a real control plane's /metrics. Nothing is mocked.
 */
import { randomBytes } from 'node:crypto';
import { ObservationKinds, type MetricEmptyData, type MetricSampleData } from '@tester/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, startPrometheus } from '../../../scripts/stack/index.mjs';
import { METRIC_EMPTY_KIND, METRIC_ERROR_KIND } from '../src/index';
import { eventually } from '@tester/core/testing';
import { h, observe, samples } from './observe';

const DOWN = 'cp_system_state{state="DISCONNECTED",system="mysql"}';
const DOWN_RANGE = 'sum(cp_system_state{state="DISCONNECTED",system="mysql"})';
const TOKEN = `prom-stack-secret-${randomBytes(6).toString('hex')}`;

let cp: Awaited<ReturnType<typeof startControlPlane>>;
let prom: Awaited<ReturnType<typeof startPrometheus>>;

beforeAll(async () => {
  cp = await startControlPlane({ systems: 1 });
  prom = await startPrometheus({ targets: [`127.0.0.1:${cp.port}`], scrapeInterval: '1s' });
});
afterAll(async () => {
  await Promise.allSettled([prom?.stop(), cp?.stop()]);
});
const json = async (url: string, init?: RequestInit) => (await fetch(url, init)).json() as Promise<Record<string, unknown>>;

describe('prometheus observer on a real Prometheus', () => {
  it('sees a real CONNECTION_LOSS in PromQL (instant and range), and barrier(T) waits for a scrape after T', async () => {
    const s = await observe({ url: prom.url, queries: [DOWN, { query: DOWN_RANGE, range: true, step: '1s', lookback: '30s' }], auth: { type: 'bearer', token: TOKEN } });
    h.setUrgent(true);
    // Before the fault: the series exists and is 0.
    await eventually(() => samples(DOWN).some((x) => x.value === 0), 30_000, 'the first scrape of the private control plane');
    const id = `prom-${randomBytes(4).toString('hex')}`;
    const created = await fetch(`${cp.url}/api/v1/chaos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, system: 'mysql', fault: 'CONNECTION_LOSS', duration: 3 }) });
    expect(created.status).toBe(201);
    const ended = async () => (await json(`${cp.url}/api/v1/chaos/${id}`)).status === 'ENDED' && (await json(`${cp.url}/api/v1/systems/mysql`)).state === 'CONNECTED';
    await eventually(ended, 30_000, 'the chaos to end and mysql to be CONNECTED again');
    const t = h.clock.now();
    const tWall = h.clock.wallNow();
    await s.barrier(t, h.controller.signal);
    // The barrier passed only once the target had a scrape after T, and a query after it was recorded.
    const targets = (await json(`${prom.url}/api/v1/targets?state=active`)).data as { activeTargets: { lastScrape: string }[] };
    expect(Date.parse(targets.activeTargets[0]!.lastScrape)).toBeGreaterThan(tWall - 5);
    const afterT = samples(DOWN, t);
    expect(afterT.length).toBeGreaterThan(0);
    expect(afterT.at(-1)!.value).toBe(0);

    // The outage: the DISCONNECTED series went 0 -> 1 -> 0, in the instant samples and in the range samples.
    const values = samples(DOWN).map((x) => x.value);
    const compact = values.filter((v, i) => i === 0 || v !== values[i - 1]);
    expect(compact.slice(0, 3)).toEqual([0, 1, 0]);
    const first = samples(DOWN)[0]!;
    expect(first.labels).toMatchObject({ __name__: 'cp_system_state', system: 'mysql', state: 'DISCONNECTED' });
    expect(Math.abs(first.timestamp - Date.now())).toBeLessThan(60_000);
    const range = samples(DOWN_RANGE);
    expect(range.map((x) => x.timestamp)).toEqual([...range.map((x) => x.timestamp)].sort((a, b) => a - b));
    const rangeValues = range.map((x) => x.value).filter((v, i, all) => i === 0 || v !== all[i - 1]);
    expect(rangeValues.slice(0, 3)).toEqual([0, 1, 0]);
    const transitions = (await json(`${prom.url}/api/v1/query?query=${encodeURIComponent('sum(cp_state_transitions_total{system="mysql",to="DISCONNECTED"})')}`)).data as { result: { value: [number, string] }[] };
    expect(transitions.result[0]!.value[1]).toBe('1'); // one real outage, seen once
    expect(h.blindness.events).toEqual([]);
    expect(h.everything()).not.toContain(TOKEN);
    expect(h.secrets).toContain(TOKEN);
  });

  it('keeps an empty result and a rejected query apart from blindness, on the real server', async () => {
    await observe({ url: prom.url, queries: ['cp_system_state{system="no-such-system"}', 'sum(('] });
    await eventually(() => h.timeline.query({ kind: METRIC_EMPTY_KIND }).length && h.timeline.query({ kind: METRIC_ERROR_KIND }).length, 10_000, 'empty and error observations');
    // The metric exists, no series matches: the name itself is the suggestion (the metric is known).
    expect(h.timeline.query({ kind: METRIC_EMPTY_KIND })[0]!.data).toEqual({ query: 'cp_system_state{system="no-such-system"}', empty: true, suggestions: ['cp_system_state'] });
    expect(h.timeline.query({ kind: METRIC_ERROR_KIND })[0]!.data).toMatchObject({ query: 'sum((', errorType: 'bad_data' });
    expect(h.blindness.events).toEqual([]);
  });

  it('suggests the real server\'s metric names for a misspelt one', async () => {
    const typo = 'sum(cp_state_transitons_total{system="mysql"})';
    await observe({ url: prom.url, queries: [typo, 'cp_system_state'] });
    await eventually(() => h.timeline.query({ kind: METRIC_EMPTY_KIND }).length > 0, 10_000, 'the empty answer');
    const data = h.timeline.query({ kind: METRIC_EMPTY_KIND })[0]!.data as MetricEmptyData;
    expect(data.query).toBe(typo);
    expect(data.suggestions?.[0]).toBe('cp_state_transitions_total');
    // The names are the server's own: every suggestion is a metric it really has.
    const names = ((await json(`${prom.url}/api/v1/label/__name__/values`)).data as string[]) ?? [];
    expect(names).toEqual(expect.arrayContaining(data.suggestions!));
  });

  it('knows a real counter that was declared but never incremented (no series yet)', async () => {
    // No drift in this file's control plane: its reconciliation counter has # TYPE and # HELP lines, no series.
    const never = 'cp_reconciliations_total{status="FAILED"}';
    const names = ((await json(`${prom.url}/api/v1/label/__name__/values`)).data as string[]) ?? [];
    expect(names).not.toContain('cp_reconciliations_total');
    await observe({ url: prom.url, queries: [never] });
    await eventually(() => h.timeline.query({ kind: METRIC_EMPTY_KIND }).length > 0, 10_000, 'the empty answer');
    expect(h.timeline.query({ kind: METRIC_EMPTY_KIND })[0]!.data).toEqual({ query: never, empty: true, suggestions: ['cp_reconciliations_total'] });
  });

  it('records metric.absent when a real series leaves the answer, and a sample when it is back', async () => {
    // `== 1` keeps only the state mysql is in: a real CONNECTION_LOSS takes the CONNECTED series out of the answer.
    const inState = 'cp_system_state{system="mysql"} == 1';
    await observe({ url: prom.url, queries: [inState] });
    h.setUrgent(true);
    const connected = (o: { data: unknown }) => (o.data as MetricSampleData).labels?.state === 'CONNECTED';
    await eventually(() => h.timeline.query({ kind: ObservationKinds.metricSample, subject: inState }).some(connected), 30_000, 'mysql CONNECTED in the answer');
    const id = `prom-absent-${randomBytes(4).toString('hex')}`;
    const created = await fetch(`${cp.url}/api/v1/chaos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, system: 'mysql', fault: 'CONNECTION_LOSS', duration: 2 }) });
    expect(created.status).toBe(201);
    await eventually(() => h.timeline.query({ kind: ObservationKinds.metricAbsent, subject: inState }).some(connected), 30_000, 'the CONNECTED series to leave the answer');
    const absent = h.timeline.query({ kind: ObservationKinds.metricAbsent, subject: inState }).find(connected)!;
    expect(absent.data).toEqual({ query: inState, labels: expect.objectContaining({ system: 'mysql', state: 'CONNECTED' }) });
    await eventually(() => h.timeline.query({ kind: ObservationKinds.metricSample, subject: inState, since: absent.receivedAt + 1e-6 }).some(connected), 30_000, 'CONNECTED back in the answer');
    // In between, the answer had another state of mysql (the outage), and each leaving was recorded once.
    const between = h.timeline.query({ subject: inState, since: absent.receivedAt }).map((o) => `${o.kind} ${(o.data as MetricSampleData).labels?.state ?? ''}`);
    expect(between.some((k) => /^metric\.sample (DISCONNECTED|DEGRADED|RECOVERING)$/.test(k))).toBe(true);
    expect(h.timeline.query({ kind: ObservationKinds.metricAbsent, subject: inState }).filter(connected)).toHaveLength(1);
    expect(h.blindness.events).toEqual([]);
  });

  it('scrapes the real control plane /metrics directly and barriers on the scrape time', async () => {
    const s = await observe({ scrape: [cp.metricsUrl], scrapeInclude: ['^cp_system_state$'] });
    const t = h.clock.now();
    await s.barrier(t, h.controller.signal);
    const after = samples('cp_system_state', t);
    // Every series of the scrape after t is recorded (a barrier forces a full record; a scrape that started within
    // the wall clock's 1 ms of t is not yet "after t", so the next one records them again: count states, not samples).
    expect([...new Set(after.map((x) => x.labels.state))].sort()).toEqual(['CONNECTED', 'DEGRADED', 'DISCONNECTED', 'RECOVERING']);
    expect(after.find((x) => x.labels.state === 'CONNECTED')).toMatchObject({ value: 1, labels: { __name__: 'cp_system_state', system: 'mysql' } });
    expect(h.timeline.query({ kind: ObservationKinds.metricSample }).every((o) => o.ref.type === 'scrape')).toBe(true);
  });

  it('goes blind when Prometheus stops; a barrier cannot pass while blind', async () => {
    const own = await startPrometheus({ targets: [`127.0.0.1:${cp.port}`], scrapeInterval: '1s' });
    try {
      const s = await observe({ url: own.url, queries: ['up'] });
      await own.stop();
      await eventually(() => h.blindness.blind, 15_000, 'blind');
      // Refused, or 503 while it shuts down: either way it cannot be read.
      expect(h.blindness.events[0]).toMatch(/^blind: (Prometheus unreachable: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/targets|GET .* -> 503)/);
      const deadline = new AbortController();
      const barrier = s.barrier(h.clock.now(), deadline.signal);
      const outcome = await Promise.race([barrier.then(() => 'resolved'), h.clock.until(h.clock.now() + 1000).then(() => 'still waiting')]);
      expect(outcome).toBe('still waiting');
      deadline.abort(new Error('barrier deadline'));
      await expect(barrier).rejects.toThrow('barrier deadline');
    } finally {
      await own.stop();
    }
  });
});
