/**
 * One Prometheus observer session per test, on a fresh core test harness, for the tests against a real Prometheus.
 * Importing this module registers, in the importing test file, an afterEach that stops the session and aborts the
 * harness.
 */
import { ObservationKinds, type MetricSampleData, type ObserverSession } from '@tester/core';
import { createPluginHarness, type PluginHarness } from '@tester/core/testing';
import { afterEach } from 'vitest';
import { prometheusPlugin, type PrometheusOptions } from '../src/index';

/** The harness of the session {@link observe} started last (a live binding: each test reads its own). */
export let h: PluginHarness;
let session: ObserverSession | undefined;

afterEach(async () => {
  await session?.stop();
  session = undefined;
  h?.controller.abort();
});

/** Starts the observer (polling fast, so barriers pass quickly) with `options` and waits until it is ready. */
export async function observe(options: PrometheusOptions): Promise<ObserverSession> {
  h = createPluginHarness();
  const plugin = prometheusPlugin({ poll: { fastInterval: '100ms', slowInterval: '1s', readyTimeout: '20s' }, ...options });
  session = await plugin.observers!.prometheus!.start(h.observerContext(plugin.options, 'prometheus'));
  await session.ready();
  return session;
}

/** The samples of `query` the session recorded since `since` (harness clock). */
export const samples = (query: string, since = -Infinity): MetricSampleData[] =>
  h.timeline.query({ kind: ObservationKinds.metricSample, subject: query, since }).map((o) => o.data as MetricSampleData);
