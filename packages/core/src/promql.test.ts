import { describe, expect, it } from 'vitest';
import { promqlMetricNames, promqlSelector, seriesKey } from './promql';

describe('promqlMetricNames', () => {
  it('reads the metric names of a query, not functions, keywords, label values, ranges or grouping lists', () => {
    expect(promqlMetricNames('histogram_quantile(0.99, sum by (le) (rate(cp_db_query_duration_seconds_bucket{system="mysql"}[60s])))')).toEqual(['cp_db_query_duration_seconds_bucket']);
    expect(promqlMetricNames('sum(a_total{x="sum(b)"}) - on(job) group_left(instance) b:rate5m offset 5m > bool 1e3')).toEqual(['a_total', 'b:rate5m']);
    expect(promqlMetricNames('cp_system_state')).toEqual(['cp_system_state']);
  });
});

describe('promqlSelector and seriesKey', () => {
  it('sort label keys in code-unit order, whatever the locale (upper case, then `_`, then lower case)', () => {
    const labels = { b: '1', a_b: '2', ab: '3', B: '4' };
    expect(promqlSelector('up', labels)).toBe('up{B="4",a_b="2",ab="3",b="1"}');
    expect(seriesKey(labels)).toBe(JSON.stringify([['B', '4'], ['a_b', '2'], ['ab', '3'], ['b', '1']]));
    // The same series whichever order its labels came in.
    expect(seriesKey({ ab: '3', B: '4', b: '1', a_b: '2' })).toBe(seriesKey(labels));
  });
});
