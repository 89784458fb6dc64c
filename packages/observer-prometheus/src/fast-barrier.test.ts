/**
 * The fast barrier's proof, on a fake Prometheus API whose target is its own /metrics page: what makes it read the
 * page instead of waiting for the scrape, and every reason that makes it wait. The real servers are in
 * test/fast-close.test.ts.
 */
import { ObservationKinds, type MetricSampleData, type ObserverSession } from '@tester/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePrometheus } from '../test/fake-prometheus';
import { createPluginHarness, eventually, type PluginHarness } from '@tester/core/testing';
import { prometheusPlugin, type PrometheusOptions } from './index';

const CONFIG = 'global:\n  scrape_interval: 15s\nscrape_configs:\n- job_name: cp\n  honor_timestamps: true\n  scrape_interval: 15s\n  static_configs:\n  - targets:\n    - x\n';
const TARGET = { job: 'cp', instance: 'x' };
const stored = (value: number, labels: Record<string, string> = { a: '1' }) => [{ metric: { __name__: 'cp_x', ...labels, ...TARGET }, value }];

let prom: FakePrometheus;
let h: PluginHarness;
let session: ObserverSession | undefined;
beforeEach(async () => {
  prom = await new FakePrometheus().start();
  h = createPluginHarness();
  prom.configYaml = CONFIG;
  prom.target = { scrapeUrl: `${prom.url}/metrics`, scrapePool: 'cp', health: 'up', lastError: '' };
  prom.lastScrape = new Date(Date.now() - 60_000).toISOString(); // long before any T of these tests
  prom.metricsText = '# TYPE cp_x counter\ncp_x{a="1"} 2\n';
  prom.series.set('cp_x{a="1"}', stored(1));
  prom.series.set('{__name__=~"cp_x"}', stored(1));
});
afterEach(async () => {
  await session?.stop();
  session = undefined;
  h.controller.abort();
  await prom.stop();
});

const start = async (options: PrometheusOptions) => {
  const plugin = prometheusPlugin({ url: prom.url, poll: { fastInterval: '20ms', slowInterval: '100ms', readyTimeout: '2s' }, requestTimeout: '300ms', ...options });
  session = await plugin.observers!.prometheus!.start(h.observerContext(plugin.options, 'prometheus'));
  await session.ready();
  return session;
};
const after = (query: string, t: number) => h.timeline.query({ kind: ObservationKinds.metricSample, subject: query, since: t });
const targetPolls = () => prom.requests.filter((r) => r.url.startsWith('/api/v1/targets')).length;

/** barrier(now) must still wait after several polls, and pass once the target is scraped. */
async function expectWaitsForScrape(s: ObserverSession, reason: RegExp): Promise<void> {
  const t = h.clock.now();
  let done = false;
  const barrier = s.barrier(t, h.controller.signal).then(() => (done = true));
  const polls = targetPolls();
  await eventually(() => targetPolls() >= polls + 4, 3000, 'target polls');
  expect(done).toBe(false);
  expect(h.logs.join('\n')).toMatch(reason);
  prom.scrape(50);
  await barrier;
}

describe('fast barrier (fake Prometheus API, its own /metrics as the target)', () => {
  it('records the page\'s value for a plain selector whose metric moved since the last scrape, and holds it until a scrape', async () => {
    const s = await start({ queries: ['cp_x{a="1"}'] });
    const t = h.clock.now();
    await s.barrier(t, h.controller.signal);
    const latest = after('cp_x{a="1"}', t).at(-1)!;
    expect(latest.data).toMatchObject({ value: 2, labels: { __name__: 'cp_x', a: '1', job: 'cp', instance: 'x' } });
    expect(latest.ref).toMatchObject({ type: 'scrape', url: `${prom.url}/metrics`, value: 2 });
    // The page was read without Prometheus's credentials, and Prometheus still says 1: later polls do not step back.
    const polls = targetPolls();
    await eventually(() => targetPolls() >= polls + 5, 3000, 'more polls');
    expect(after('cp_x{a="1"}', t).map((o) => (o.data as MetricSampleData).value)).toEqual([2]);
    // Once Prometheus has scraped after the read, its answer counts again.
    prom.series.set('cp_x{a="1"}', stored(3));
    prom.scrape(50);
    await eventually(() => after('cp_x{a="1"}', t).length === 2, 3000, 'the answer after the scrape');
    expect((after('cp_x{a="1"}', t).at(-1)!.data as MetricSampleData).value).toBe(3);
    expect(h.blindness.events).toEqual([]);
  });

  it('records Prometheus\'s own answer, at once, when the page shows what it stored (any query)', async () => {
    prom.metricsText = '# TYPE cp_x counter\ncp_x{a="1"} 1\n';
    prom.series.set('sum(rate(cp_x[1m]))', [{ metric: {}, value: 0.5 }]);
    const s = await start({ queries: ['sum(rate(cp_x[1m]))'] });
    const t = h.clock.now();
    await s.barrier(t, h.controller.signal);
    expect(after('sum(rate(cp_x[1m]))', t).at(-1)!.ref).toMatchObject({ type: 'promql', value: 0.5 });
  });

  it('sends no Prometheus credentials to the target', async () => {
    const s = await start({ queries: ['cp_x{a="1"}'], auth: { type: 'bearer', token: 'prom-only-token-1' } });
    await s.barrier(h.clock.now(), h.controller.signal);
    const page = prom.requests.filter((r) => r.url === '/metrics');
    expect(page.length).toBeGreaterThan(0);
    expect(page.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(prom.requests.find((r) => r.url.startsWith('/api/v1/targets'))!.headers.authorization).toBe('Bearer prom-only-token-1');
  });

  it.each<[string, () => unknown, string, RegExp]>([
    ['the metric moved and the query is not a plain selector', () => prom.series.set('sum(cp_x)', [{ metric: {}, value: 1 }]), 'sum(cp_x)', /cp_x changed since the last scrape, and sum\(cp_x\) is not a plain selector/],
    ['a series appeared since the last scrape', () => (prom.metricsText += 'cp_x{a="2"} 1\n'), 'cp_x{a="1"}', /series .*"a","2".* appeared since the last scrape/],
    ['a series left the page', () => prom.series.set('{__name__=~"cp_x"}', [...stored(1), ...stored(1, { a: '3' })]), 'cp_x{a="1"}', /is not on http/],
    ['the job relabels its metrics', () => (prom.configYaml = CONFIG.replace('  honor_timestamps: true\n', '  metric_relabel_configs:\n  - action: labeldrop\n    regex: a\n')), 'cp_x{a="1"}', /job cp has metric_relabel_configs/],
    ['the server config cannot be read', () => (prom.configYaml = undefined), 'cp_x{a="1"}', /the server's scrape config cannot be read \(GET .*\/api\/v1\/status\/config -> 404/],
    ['the target is not a loopback address', () => (prom.target.scrapeUrl = 'http://vm:9100/metrics'), 'cp_x{a="1"}', /target http:\/\/vm:9100\/metrics is not a loopback address/],
    ['the page cannot be read', () => (prom.target.scrapeUrl = 'http://127.0.0.1:1/metrics'), 'cp_x{a="1"}', /a target's \/metrics cannot be read directly \(GET http:\/\/127\.0\.0\.1:1\/metrics: connect ECONNREFUSED 127\.0\.0\.1:1\)/],
    ['a series is one Prometheus makes (up)', () => prom.series.set('{__name__=~"up"}', [{ metric: { __name__: 'up', ...TARGET }, value: 1 }]).set('up', []), 'up', /is not on http/],
    ['a query reads every metric of a job', () => prom.series.set('{job="cp"}', []), '{job="cp"}', /the metric names \{job="cp"\} reads cannot be known/],
    ['readTargets is off', () => undefined, 'cp_x{a="1"}', /readTargets is off/],
  ])('waits for the scrape when %s', async (what, setup, query, reason) => {
    setup();
    const s = await start({ queries: [query], ...(what === 'readTargets is off' ? { readTargets: false } : {}) });
    await expectWaitsForScrape(s, reason);
    expect(h.blindness.events).toEqual([]);
  });

  it('waits for the next scrape by the target\'s schedule, not by polling the targets API', async () => {
    prom.target.scrapeUrl = 'http://127.0.0.1:1/metrics';
    prom.target.scrapeInterval = '400ms';
    prom.target.lastScrapeDuration = 0.002;
    const s = await start({ queries: ['cp_x{a="1"}'] });
    prom.scrape(-100); // the next scrape is due in about 300 ms
    const t = h.clock.now();
    const before = targetPolls();
    let done = false;
    const barrier = s.barrier(t, h.controller.signal).then(() => (done = true));
    await h.clock.until(h.clock.now() + 250);
    // One read of the targets, then a wait until the scrape is due (at a 20 ms poll interval it would be ~12 reads).
    expect(targetPolls() - before).toBeLessThanOrEqual(2);
    expect(done).toBe(false);
    prom.scrape(10); // the scrape happens on time
    await barrier;
    expect(h.clock.now() - t).toBeGreaterThanOrEqual(250);
    expect(h.clock.now() - t).toBeLessThan(1000);
  });
});
