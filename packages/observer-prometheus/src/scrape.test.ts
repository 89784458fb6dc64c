import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExposition } from './index';

const text = readFileSync(new URL('../test/fixtures/control-plane.metrics.txt', import.meta.url), 'utf8');

describe('parseExposition', () => {
  it('flattens gauges, counters, histograms and summaries the way Prometheus stores them', () => {
    const samples = parseExposition(text, 1_000);
    const find = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.labels.__name__ === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(find('cp_system_state', { state: 'CONNECTED' })).toEqual({ labels: { __name__: 'cp_system_state', system: 'mysql-4', state: 'CONNECTED' }, value: 1, timestamp: 1_000 });
    expect(find('cp_state_transitions_total')?.value).toBe(2);
    expect(find('cp_reconciliation_duration_seconds_bucket', { le: '+Inf' })?.value).toBe(4);
    expect(find('cp_reconciliation_duration_seconds_count')?.value).toBe(4);
    expect(find('cp_reconciliation_duration_seconds_sum')?.value).toBe(2.5);
    expect(find('rpc_duration_seconds', { quantile: '0.5' })?.value).toBe(0.2);
    expect(find('process_cpu_seconds_total')).toMatchObject({ value: 1.25, timestamp: 1_700_000_000_000 });
    expect(samples).toHaveLength(12);
  });

  it('keeps each series of a labelled histogram apart (as the real control plane exposes it), and label escapes', () => {
    const page = [
      '# TYPE cp_db_query_duration_seconds histogram',
      'cp_db_query_duration_seconds_bucket{le="0.001",system="mysql"} 755',
      'cp_db_query_duration_seconds_bucket{le="+Inf",system="mysql"} 890',
      'cp_db_query_duration_seconds_sum{system="mysql"} 1.2',
      'cp_db_query_duration_seconds_count{system="mysql"} 890',
      'cp_db_query_duration_seconds_count{system="mysql-2"} 12',
      'odd{path="C:\\x",quote="say \\"hi\\"",nl="a\\nb",} NaN',
      '# EOF',
    ].join('\n');
    const samples = parseExposition(page, 5);
    expect(samples.map((s) => [s.labels, s.value])).toEqual([
      [{ __name__: 'cp_db_query_duration_seconds_bucket', le: '0.001', system: 'mysql' }, 755],
      [{ __name__: 'cp_db_query_duration_seconds_bucket', le: '+Inf', system: 'mysql' }, 890],
      [{ __name__: 'cp_db_query_duration_seconds_sum', system: 'mysql' }, 1.2],
      [{ __name__: 'cp_db_query_duration_seconds_count', system: 'mysql' }, 890],
      [{ __name__: 'cp_db_query_duration_seconds_count', system: 'mysql-2' }, 12],
      [{ __name__: 'odd', path: 'C:\\x', quote: 'say "hi"', nl: 'a\nb' }, NaN],
    ]);
  });

  it('names the line that is not the text format', () => {
    expect(() => parseExposition('ok 1\n<html><body>', 0)).toThrow('line 2: expected a metric name');
    expect(() => parseExposition('x{a="1"', 0)).toThrow('line 1: expected , or } after the value of a');
    expect(() => parseExposition('x{a="1"} one', 0)).toThrow('line 1: "one" is not a number');
  });
});
