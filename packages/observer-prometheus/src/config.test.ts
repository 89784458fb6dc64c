import { describe, expect, it } from 'vitest';
import { createPluginHarness } from '@tester/core/testing';
import { parsePrometheusConfig, prometheusPlugin } from './index';

describe('prometheus config', () => {
  it('defaults to a local Prometheus server', () => {
    const c = parsePrometheusConfig({});
    expect(c).toMatchObject({ url: 'http://127.0.0.1:9090', scrape: [], queries: [], interest: true, requestTimeout: 2000 });
    expect(c.poll).toEqual({ fastInterval: 250, slowInterval: 5000, readyTimeout: 10_000 });
  });

  it('accepts string and object queries, and scrape-only mode', () => {
    const c = parsePrometheusConfig({ url: 'http://127.0.0.1:9090', queries: ['up', { query: 'rate(x[1m])', range: true, step: '2s' }], scrape: ['http://127.0.0.1:8080/metrics'] });
    expect(c.queries).toEqual([
      { query: 'up', range: false, step: 1000, lookback: 0 },
      { query: 'rate(x[1m])', range: true, step: 2000, lookback: 0 },
    ]);
    expect(parsePrometheusConfig({ scrape: [{ url: 'http://127.0.0.1:8080/metrics' }] }).url).toBeUndefined();
  });

  it('reports problems with their path and a fix', () => {
    expect(() => parsePrometheusConfig({ url: 'ftp://x', queries: [''], scrapeInclude: ['('] })).toThrowError(/config url: expected an http\(s\) URL.*\n.*scrapeInclude\[0\]: not a valid regular expression\n.*config queries\[0\]: expected a PromQL expression/s);
    expect(() => parsePrometheusConfig({ scrape: ['http://127.0.0.1/metrics'], queries: ['up'] })).toThrowError(/PromQL queries need a Prometheus server; set url/);
    const remote = prometheusPlugin({ url: 'http://10.0.0.1:9090' });
    expect(() => remote.observers!.prometheus!.start(createPluginHarness().observerContext(remote.options, 'prometheus'))).toThrowError(
      /^@tester\/observer-prometheus config url: host "10\.0\.0\.1" is not a loopback address; add it to allowedHosts if Prometheus really lives there\.$/,
    );
  });
});
