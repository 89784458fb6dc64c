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
});
