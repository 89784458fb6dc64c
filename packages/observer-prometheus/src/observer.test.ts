import { readFileSync } from 'node:fs';
import { ObservationKinds, type Interest, type MetricSampleData, type ObserverSession } from '@tester/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePrometheus } from '../test/fake-prometheus';
import { createPluginHarness, eventually, type PluginHarness } from '@tester/core/testing';
import { METRIC_EMPTY_KIND, METRIC_ERROR_KIND, PROMQL_INTEREST, prometheusPlugin, type PrometheusOptions } from './index';

let prom: FakePrometheus;
let h: PluginHarness;
let session: ObserverSession | undefined;
beforeEach(async () => {
  prom = await new FakePrometheus().start();
  h = createPluginHarness();
});
afterEach(async () => {
  await session?.stop();
  session = undefined;
  h.controller.abort();
  await prom.stop();
});

const start = async (options: PrometheusOptions = {}, interests: Interest[] = []) => {
  const plugin = prometheusPlugin({ url: prom.url, poll: { fastInterval: '20ms', slowInterval: '100ms', readyTimeout: '2s' }, requestTimeout: '300ms', ...options });
  session = await plugin.observers!.prometheus!.start(h.observerContext(plugin.options, 'prometheus', interests));
  return session;
};
const samples = (query?: string) => h.timeline.query({ kind: ObservationKinds.metricSample, subject: query }).map((o) => o.data as MetricSampleData);

describe('prometheus observer (queries)', () => {
  it('records samples with query, labels, value and timestamp, again only when they change', async () => {
    prom.series.set('cp_up', [{ metric: { __name__: 'cp_up', system: 'mysql-4' }, value: 1 }]);
    const s = await start({ queries: ['cp_up'] });
    await s.ready();
    await eventually(() => prom.requests.filter((r) => r.url.startsWith('/api/v1/query')).length >= 4, 3000, 'a few polls');
    expect(samples('cp_up')).toHaveLength(1);
    const [first] = samples('cp_up');
    expect(first).toMatchObject({ query: 'cp_up', labels: { __name__: 'cp_up', system: 'mysql-4' }, value: 1 });
    expect(Math.abs(first!.timestamp - Date.now())).toBeLessThan(5000);
    const obs = h.timeline.latest({ kind: ObservationKinds.metricSample })!;
    expect(obs.ref).toMatchObject({ type: 'promql', url: prom.url, query: 'cp_up', value: 1 });
    expect(obs.sourceTime).toBe(first!.timestamp);
    prom.series.set('cp_up', [{ metric: { __name__: 'cp_up', system: 'mysql-4' }, value: 0 }]);
    await eventually(() => samples('cp_up').length === 2, 3000, 'the change');
    expect(samples('cp_up')[1]!.value).toBe(0);
  });

  it('keeps "no series" and "query rejected" apart from blindness', async () => {
    prom.series.set('absent_metric', []);
    const s = await start({ queries: ['absent_metric', 'bad((query'] });
    await s.ready();
    for (let i = 0; i < 2; i++) {
      const t = h.clock.now();
      prom.scrape(50);
      await s.barrier(t, h.controller.signal);
    }
    // Recorded once on the change, then again by each barrier's forced poll.
    expect(h.timeline.query({ kind: METRIC_EMPTY_KIND }).map((o) => o.data)).toContainEqual({ query: 'absent_metric', empty: true });
    const errors = h.timeline.query({ kind: METRIC_ERROR_KIND });
    expect(errors).toHaveLength(3); // once on change, then once per barrier poll (forced)
    expect(errors[0]!.data).toMatchObject({ query: 'bad((query', errorType: 'bad_data', error: 'parse error in bad((query' });
    expect(h.blindness.events).toEqual([]);
  });

  it.each([
    ['500', /-> 500 \("boom"\)/],
    ['garbage', /body is not JSON \("<html>"\)/],
    ['wrong-shape', /^blind: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/targets\?state=active -> 200: expected the targets API's answer \{"status":"success","data":\{"activeTargets":\[.*got "\{\\"status\\":\\"success\\",\\"data\\":null\}"; is url pointing at Prometheus\?$/],
  ] as const)('goes blind when Prometheus answers %s, and sighted again', async (mode, reason) => {
    const s = await start({ queries: [] });
    await s.ready();
    prom.mode = mode;
    await eventually(() => h.blindness.blind, 3000, 'blind');
    expect(h.blindness.events[0]).toMatch(reason);
    prom.mode = 'ok';
    await eventually(() => !h.blindness.blind, 3000, 'sighted');
  });

  it('ready() names the URL and what was expected when a server answers JSON of the wrong shape', async () => {
    prom.mode = 'wrong-shape';
    const s = await start({ poll: { fastInterval: '20ms', slowInterval: '50ms', readyTimeout: '300ms' } });
    const error = await s.ready().then(() => undefined, (e: Error) => e);
    expect(error).toMatchObject({ code: 'OBSERVER_NOT_READY' });
    expect(error!.message).toMatch(/^the Prometheus observer: no successful poll within 300 ms: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/targets\?state=active -> 200: expected the targets API's answer/);
    expect(error!.message).not.toMatch(/Cannot read properties/);
  });

  it('goes blind when Prometheus is down; ready() fails with the reason', async () => {
    await prom.stop();
    const s = await start({ poll: { fastInterval: '20ms', slowInterval: '50ms', readyTimeout: '300ms' } });
    await expect(s.ready()).rejects.toMatchObject({ code: 'OBSERVER_NOT_READY', message: expect.stringMatching(/Prometheus unreachable: GET .*ECONNREFUSED/) });
    expect(h.blindness.events[0]).toMatch(/^blind: Prometheus unreachable/);
  });

  it('barrier(T) waits for a scrape after T, then a recorded query', async () => {
    prom.series.set('cp_up', [{ metric: { __name__: 'cp_up' }, value: 1 }]);
    const s = await start({ queries: ['cp_up'] });
    await s.ready();
    const t = h.clock.now();
    let done = false;
    const barrier = s.barrier(t, h.controller.signal).then(() => (done = true));
    await eventually(() => prom.requests.filter((r) => r.url.startsWith('/api/v1/targets')).length >= 5, 3000, 'target polls');
    expect(done).toBe(false); // lastScrape is still before T
    prom.scrape(50);
    await barrier;
    const after = h.timeline.query({ kind: ObservationKinds.metricSample, since: t });
    expect(after.length).toBeGreaterThanOrEqual(1); // the unchanged sample is recorded again for the barrier
  });

  it('a targets filter that matches nothing is a visible blind spot', async () => {
    await start({ targets: { job: 'nope' } });
    await eventually(() => h.blindness.blind, 3000, 'blind');
    expect(h.blindness.events[0]).toMatch(/no active Prometheus target matches targets \{"job":"nope"\}/);
  });

  it('runs the promql queries the expectations declared, from its first poll on, and ignores other kinds', async () => {
    prom.series.set('declared', [{ metric: {}, value: 4 }]);
    prom.series.set('other_kind', [{ metric: {}, value: 5 }]);
    const s = await start({}, [
      { source: 'prometheus', kind: PROMQL_INTEREST, value: 'declared' },
      { source: 'prometheus', kind: 'topic', value: 'other_kind' },
    ]);
    await s.ready();
    // Ready means the first poll completed: a declared query is already sampled, so a baseline exists.
    expect(samples('declared')[0]!.value).toBe(4);
    expect(samples('other_kind')).toEqual([]);
  });

  it('runs no declared query with interest: false', async () => {
    prom.series.set('declared', [{ metric: {}, value: 4 }]);
    prom.series.set('up', [{ metric: {}, value: 1 }]);
    const s = await start({ interest: false, queries: ['up'] }, [{ source: 'prometheus', kind: PROMQL_INTEREST, value: 'declared' }]);
    await s.ready();
    await s.barrier(h.clock.now() - 60_000, h.controller.signal);
    expect(samples('up').length).toBeGreaterThan(0);
    expect(samples('declared')).toEqual([]);
  });

  it('sends the bearer token, registers it and never shows it', async () => {
    const token = 'prom-secret-token-991';
    prom.series.set('echo', [{ metric: { leaked: `Bearer ${token}` }, value: 1 }]);
    const s = await start({ queries: ['echo', 'bad(('], auth: { type: 'bearer', token } });
    await s.ready();
    await s.barrier(h.clock.now() - 60_000, h.controller.signal);
    prom.mode = '500';
    await eventually(() => h.blindness.blind, 3000, 'blind');
    expect(prom.requests[0]!.headers.authorization).toBe(`Bearer ${token}`);
    expect(h.secrets).toContain(token);
    expect(samples('echo').length).toBeGreaterThanOrEqual(1);
    expect(h.everything()).not.toContain(token);
  });
});

describe('prometheus basic auth', () => {
  it('sends basic credentials (password from the environment) and never shows them', async () => {
    process.env.TESTER_PROM_PW_TEST = 'prom-pa55word-x';
    try {
      const s = await start({ queries: ['bad(('], auth: { type: 'basic', username: 'ops', passwordEnv: 'TESTER_PROM_PW_TEST' } });
      await s.ready();
      const encoded = Buffer.from('ops:prom-pa55word-x').toString('base64');
      expect(prom.requests[0]!.headers.authorization).toBe(`Basic ${encoded}`);
      expect(h.secrets).toEqual(expect.arrayContaining([encoded, 'prom-pa55word-x']));
      expect(h.everything()).not.toContain('prom-pa55word-x');
      expect(h.everything()).not.toContain(encoded);
    } finally {
      delete process.env.TESTER_PROM_PW_TEST;
    }
  });
});

describe('prometheus observer (direct scrape)', () => {
  it('scrapes /metrics, records only included series, and barriers on the scrape time', async () => {
    prom.metricsText = readFileSync(new URL('../test/fixtures/control-plane.metrics.txt', import.meta.url), 'utf8');
    const plugin = prometheusPlugin({ scrape: [`${prom.url}/metrics`], scrapeInclude: ['^cp_system_state$', '^cp_state_transitions'], poll: { fastInterval: '20ms', slowInterval: '100ms' } });
    session = await plugin.observers!.prometheus!.start(h.observerContext(plugin.options, 'prometheus'));
    await session.ready();
    expect(samples().map((s) => `${s.query}${JSON.stringify(s.labels)}=${s.value}`).sort()).toEqual([
      'cp_state_transitions_total{"__name__":"cp_state_transitions_total","system":"mysql-4","from":"CONNECTED","to":"DISCONNECTED"}=2',
      'cp_system_state{"__name__":"cp_system_state","system":"mysql-4","state":"CONNECTED"}=1',
      'cp_system_state{"__name__":"cp_system_state","system":"mysql-4","state":"DISCONNECTED"}=0',
    ]);
    expect(h.timeline.latest({ kind: ObservationKinds.metricSample })!.ref).toMatchObject({ type: 'scrape', url: `${prom.url}/metrics` });
    prom.metricsText = prom.metricsText.replace('state="DISCONNECTED"} 0', 'state="DISCONNECTED"} 1');
    const t = h.clock.now();
    await session.barrier(t, h.controller.signal);
    const latest = h.timeline.query({ kind: ObservationKinds.metricSample, subject: 'cp_system_state', since: t }).map((o) => o.data as MetricSampleData);
    expect(latest.find((s) => s.labels.state === 'DISCONNECTED')?.value).toBe(1);
  });
});
