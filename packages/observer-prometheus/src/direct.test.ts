import { describe, expect, it } from 'vitest';
import { isPlainSelector, queriedNames, scrapeRules, storedLabels } from './direct';
import { promDuration } from './prom-api';

// GET /api/v1/status/config of the stack's Prometheus 2.42, verbatim.
const STACK_CONFIG =
  'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n- job_name: control-plane\n  honor_timestamps: true\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  metrics_path: /metrics\n  scheme: http\n  follow_redirects: true\n  enable_http2: true\n  static_configs:\n  - targets:\n    - 127.0.0.1:8080\n';

describe('scrapeRules (the label rules of each job, from the server config)', () => {
  it('reads the stack server\'s config', () => {
    expect(scrapeRules(STACK_CONFIG)).toEqual(new Map([['control-plane', { honorLabels: false, metricRelabel: false }]]));
  });

  it('sees honor_labels, metric_relabel_configs and quoted job names, job by job', () => {
    const yaml = [
      'global:',
      '  scrape_interval: 15s',
      'scrape_configs:',
      '- job_name: plain',
      '  honor_labels: true',
      '  static_configs:',
      '  - targets:',
      '    - 127.0.0.1:1',
      "- job_name: 'with: colon'",
      '  metric_relabel_configs:',
      '  - source_labels: [__name__]',
      '    regex: go_.*',
      '    action: drop',
      '- job_name: "quoted"',
      '  scrape_interval: 1s',
      'remote_write:',
      '- url: http://127.0.0.1:9/write',
      '  metric_relabel_configs: []',
    ].join('\n');
    expect(scrapeRules(yaml)).toEqual(
      new Map([
        ['plain', { honorLabels: true, metricRelabel: false }],
        ['with: colon', { honorLabels: false, metricRelabel: true }],
        ['quoted', { honorLabels: false, metricRelabel: false }],
      ]),
    );
  });

  it('knows no job when the config has none, or names one twice', () => {
    expect(scrapeRules('global:\n  scrape_interval: 1s\n').size).toBe(0);
    expect(scrapeRules('scrape_configs:\n- job_name: a\n- job_name: a\n').get('a')).toEqual({ honorLabels: true, metricRelabel: true });
  });
});

describe('storedLabels (a page series as Prometheus stores it)', () => {
  const target = { job: 'cp', instance: '127.0.0.1:8080' };
  it('adds the target labels', () => {
    expect(storedLabels({ __name__: 'x', a: '1' }, target, false)).toEqual({ __name__: 'x', a: '1', job: 'cp', instance: '127.0.0.1:8080' });
  });
  it('moves a clashing page label to exported_ (honor_labels: false), shorter names first', () => {
    expect(storedLabels({ __name__: 'x', job: 'app', exported_job: 'y' }, target, false)).toEqual({
      __name__: 'x',
      job: 'cp',
      instance: '127.0.0.1:8080',
      exported_job: 'y',
      exported_exported_job: 'app',
    });
  });
  it('keeps the page label with honor_labels: true, and drops empty values', () => {
    expect(storedLabels({ __name__: 'x', job: 'app', e: '' }, target, true)).toEqual({ __name__: 'x', job: 'app', instance: '127.0.0.1:8080' });
  });
});

describe('what a query reads', () => {
  it('names the metrics, or says they cannot be known', () => {
    expect(queriedNames('histogram_quantile(0.9, sum by (le) (rate(h_bucket{a="{x}"}[5m])))')).toEqual(['h_bucket']);
    expect(queriedNames('cp_system_state{state="DISCONNECTED"} == 1')).toEqual(['cp_system_state']);
    expect(queriedNames('sum({job="cp"})')).toBeUndefined();
    expect(queriedNames('{__name__=~"cp_.*"}')).toBeUndefined();
    expect(queriedNames('vector(1)')).toEqual([]);
  });
  it('tells a plain selector (its answer is the stored series) from an expression', () => {
    for (const q of ['up', 'cp_x{a="1",b=~"c|d"}', ' cp_x { a = "}" } ']) expect(isPlainSelector(q)).toBe(true);
    for (const q of ['sum(cp_x)', 'cp_x offset 5m', 'cp_x[5m]', 'cp_x == 1', 'rate(cp_x[1m])']) expect(isPlainSelector(q)).toBe(false);
  });
});

describe('promDuration', () => {
  it('reads Prometheus durations', () => {
    expect([promDuration('1s'), promDuration('1m30s'), promDuration('500ms'), promDuration('1h'), promDuration('x'), promDuration(5)]).toEqual([1000, 90_000, 500, 3_600_000, undefined, undefined]);
  });
});
