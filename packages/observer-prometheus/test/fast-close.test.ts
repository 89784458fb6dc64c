/**
 * The fast barrier against real Prometheus servers and a real control plane: barrier(T) reads the loopback target's
 * /metrics instead of waiting for the next scrape, and what it records is what that scrape shows. Private
 * Prometheus servers scrape every 5 s here, so that "did not wait for the scrape" cannot be luck; the shared
 * stack's (every 1 s) is used for a counter that moves on its own.
 */
import { randomBytes } from 'node:crypto';
import { ObservationKinds } from '@tester/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStack, startControlPlane, startPrometheus } from '../../../scripts/stack/index.mjs';
import { eventually } from '@tester/core/testing';
import { h, observe, samples } from './observe';

const STARTED = 'cp_events_published_total{type="CHAOS_STARTED"}';
const HEALTH = 'cp_db_query_duration_seconds_count{system="mysql"}';
const SCRAPE_MS = 5000;

let cp: Awaited<ReturnType<typeof startControlPlane>>;
/** Scrapes the control plane as 127.0.0.1:port: readable directly. */
let loopback: Awaited<ReturnType<typeof startPrometheus>>;
/** Scrapes the same control plane as vm:port (this machine's name, not a loopback address to tester's guard). */
let named: Awaited<ReturnType<typeof startPrometheus>>;

beforeAll(async () => {
  cp = await startControlPlane({ systems: 1 });
  [loopback, named] = await Promise.all([
    startPrometheus({ targets: [`127.0.0.1:${cp.port}`], scrapeInterval: `${SCRAPE_MS / 1000}s` }),
    startPrometheus({ targets: [`vm:${cp.port}`], scrapeInterval: `${SCRAPE_MS / 1000}s` }),
  ]);
});
afterAll(async () => {
  await Promise.allSettled([loopback?.stop(), named?.stop(), cp?.stop()]);
});
const json = async (url: string) => (await fetch(url)).json() as Promise<{ data: unknown }>;
const lastScrape = async (promUrl: string) =>
  Math.min(...((await json(`${promUrl}/api/v1/targets?state=active`)).data as { activeTargets: { lastScrape: string }[] }).activeTargets.map((t) => Date.parse(t.lastScrape)));
const stored = async (promUrl: string, query: string) => {
  const result = ((await json(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`)).data as { result: { value: [number, string] }[] }).result;
  return result.length ? Number(result[0]!.value[1]) : undefined;
};
/** The value of one series on a /metrics page, read the way a scrape reads it. */
const onPage = async (url: string, line: RegExp) => {
  const text = await (await fetch(url)).text();
  const m = text.split('\n').find((l) => line.test(l));
  return m === undefined ? undefined : Number(m.split(' ').at(-1));
};
const STARTED_LINE = /^cp_events_published_total\{type="CHAOS_STARTED"\} /;
const HEALTH_LINE = /^cp_db_query_duration_seconds_count\{system="mysql"\} /;
const chaos = async () => {
  const res = await fetch(`${cp.url}/api/v1/chaos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: `fast-${randomBytes(4).toString('hex')}`, system: 'mysql', fault: 'CONNECTION_LOSS', duration: 1 }),
  });
  expect(res.status).toBe(201);
};
/** Waits until Prometheus has just scraped (so the next scrape is about SCRAPE_MS away), and returns that scrape's time. */
const justAfterScrape = async (promUrl: string) => {
  const before = await lastScrape(promUrl);
  let now = before;
  await eventually(async () => (now = await lastScrape(promUrl)) > before, 3 * SCRAPE_MS, 'the next scrape');
  return now;
};

describe('fast barrier on real Prometheus servers', () => {
  it('counts a counter incremented just before T, without waiting for the scrape, and the scrape agrees', async () => {
    const s = await observe({ url: loopback.url, queries: [STARTED] });
    h.setUrgent(true);
    // The series exists (a labelled counter appears at its first increment), and Prometheus has it.
    await chaos();
    await eventually(async () => (await stored(loopback.url, STARTED)) === 1, 4 * SCRAPE_MS, 'Prometheus to store CHAOS_STARTED = 1');
    await eventually(() => samples(STARTED).some((x) => x.value === 1), 10_000, 'the observer to record 1');

    const scrapedAt = await justAfterScrape(loopback.url);
    await chaos();
    await eventually(async () => (await onPage(cp.metricsUrl, STARTED_LINE)) === 2, 5000, 'the control plane to count the second CHAOS_STARTED');
    const t = h.clock.now();
    const tWall = h.clock.wallNow();
    await s.barrier(t, h.controller.signal);
    const latency = h.clock.now() - t;
    // It did not wait for Prometheus: the target's last scrape is still the one before T, and Prometheus still says 1.
    expect(await lastScrape(loopback.url)).toBe(scrapedAt);
    expect(scrapedAt).toBeLessThan(tWall);
    expect(await stored(loopback.url, STARTED)).toBe(1);
    expect(latency).toBeLessThan(500); // the next scrape is ~4.5 s away
    // Exact: what was recorded for T is the second increment.
    const atT = samples(STARTED, t);
    expect(atT.at(-1)).toMatchObject({ value: 2, labels: expect.objectContaining({ __name__: 'cp_events_published_total', type: 'CHAOS_STARTED', job: 'control-plane', instance: `127.0.0.1:${cp.port}` }) });
    const evidence = h.timeline.query({ kind: ObservationKinds.metricSample, subject: STARTED, since: t }).at(-1)!;
    expect(evidence.ref).toMatchObject({ type: 'scrape', url: cp.metricsUrl, value: 2 });

    // The next scrape agrees; a barrier after it records Prometheus's own answer (the metric no longer differs from
    // the page), and nothing recorded in between stepped back to Prometheus's older 1.
    await eventually(async () => (await lastScrape(loopback.url)) > tWall, 3 * SCRAPE_MS, 'the scrape after T');
    expect(await stored(loopback.url, STARTED)).toBe(2);
    const t3 = h.clock.now();
    await s.barrier(t3, h.controller.signal);
    expect(h.timeline.query({ kind: ObservationKinds.metricSample, subject: STARTED, since: t3 }).at(-1)!.ref).toMatchObject({ type: 'promql', value: 2 });
    expect(samples(STARTED, t).map((x) => x.value).every((v) => v === 2)).toBe(true);

    // Scraped after T already: nothing to read, nothing to wait for.
    const scraped = await lastScrape(loopback.url);
    const beforeScrape = h.clock.now() - (h.clock.wallNow() - scraped) - 5;
    const started = h.clock.now();
    await s.barrier(beforeScrape, h.controller.signal);
    expect(h.clock.now() - started).toBeLessThan(500);
    expect(h.blindness.events).toEqual([]);
  });

  it('falls back to waiting for the scrape when the target is not readable directly, and is exact', async () => {
    const s = await observe({ url: named.url, queries: [HEALTH] });
    h.setUrgent(true);
    await eventually(() => samples(HEALTH).length > 0, 4 * SCRAPE_MS, 'a first sample');
    await justAfterScrape(named.url);
    // The health counter moves every 250 ms: the page is ahead of Prometheus at T.
    let v0 = 0;
    const storedBefore = (await stored(named.url, HEALTH))!;
    await eventually(async () => (v0 = (await onPage(cp.metricsUrl, HEALTH_LINE))!) > storedBefore, 2000, 'a health query after the scrape');
    const t = h.clock.now();
    const tWall = h.clock.wallNow();
    await s.barrier(t, h.controller.signal);
    // It waited for a scrape after T, and the value recorded is from it.
    expect(await lastScrape(named.url)).toBeGreaterThan(tWall);
    expect(h.clock.now() - t).toBeGreaterThan(1000);
    expect(samples(HEALTH, t).at(-1)!.value).toBeGreaterThanOrEqual(v0);
    expect(h.timeline.query({ kind: ObservationKinds.metricSample, subject: HEALTH, since: t }).at(-1)!.ref.type).toBe('promql');
    expect(h.logs.join('\n')).toMatch(/waiting for the next scrape: target http:\/\/vm:\d+\/metrics is not a loopback address/);
  });

  it('with readTargets: false, waits for the scrape (the old path), on its schedule', async () => {
    const s = await observe({ url: loopback.url, queries: [HEALTH], readTargets: false });
    await eventually(() => samples(HEALTH).length > 0, 4 * SCRAPE_MS, 'a first sample');
    await justAfterScrape(loopback.url);
    const v0 = (await onPage(cp.metricsUrl, HEALTH_LINE))!;
    const t = h.clock.now();
    const tWall = h.clock.wallNow();
    await s.barrier(t, h.controller.signal);
    expect(await lastScrape(loopback.url)).toBeGreaterThan(tWall);
    expect(samples(HEALTH, t).at(-1)!.value).toBeGreaterThanOrEqual(v0);
  });
});

describe('fast barrier on the shared stack (Prometheus scraping the control plane every second)', () => {
  it('resolves within ~100 ms of T, with the health counter that moved after the last scrape', async () => {
    const stack = await ensureStack();
    try {
      const metricsUrl = `${stack.controlPlane.url}/metrics`;
      const s = await observe({ url: stack.prometheus.url, queries: [HEALTH] });
      h.setUrgent(true);
      const latencies: number[] = [];
      // A scrape that lands between T and the barrier's end makes an attempt prove nothing (it could have waited):
      // those are retried, the others must all be fast and exact.
      for (let attempt = 0; attempt < 12 && latencies.length < 3; attempt++) {
        const scrapedAt = await justAfterScrape(stack.prometheus.url);
        let v0 = 0;
        const storedBefore = (await stored(stack.prometheus.url, HEALTH))!;
        await eventually(async () => (v0 = (await onPage(metricsUrl, HEALTH_LINE))!) > storedBefore, 2000, 'a health query after the scrape');
        const t = h.clock.now();
        await s.barrier(t, h.controller.signal);
        const latency = h.clock.now() - t;
        if ((await lastScrape(stack.prometheus.url)) !== scrapedAt) continue;
        latencies.push(latency);
        // Prometheus still has the older value; what was recorded for T has every health query up to T.
        expect(v0).toBeGreaterThan((await stored(stack.prometheus.url, HEALTH))!);
        expect(samples(HEALTH, t).at(-1)!.value).toBeGreaterThanOrEqual(v0);
      }
      expect(latencies).toHaveLength(3);
      expect(Math.max(...latencies)).toBeLessThan(300); // ~100 ms expected; slack for a loaded 2-core machine
      console.log(`fast barrier on the shared stack: ${latencies.map((x) => x.toFixed(0)).join(', ')} ms after T`);
    } finally {
      await stack.stop();
    }
  });
});
