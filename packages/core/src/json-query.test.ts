import { describe, expect, it } from 'vitest';
import { compileJsonQuery, JsonQueryError } from './json-query';

describe('compileJsonQuery', () => {
  it('maps a map keyed by name into a list that keeps the keys', async () => {
    const q = compileJsonQuery(
      '$each($, function($v, $k) { [{"system": $k, "state": $v.status.connector.state}, $v.status.tasks.{"system": $k & "/task-" & id, "state": state}] })',
      'api.resources[0].states',
    );
    const body = { pg: { status: { connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'FAILED' }] } } };
    expect(await q.evaluate(body)).toEqual([
      { system: 'pg', state: 'RUNNING' },
      { system: 'pg/task-0', state: 'FAILED' },
    ]);
  });

  it('reports a syntax error with its place and column at compile time', () => {
    let error: unknown;
    try {
      compileJsonQuery('status.(state', 'kafka.topics[1].mapping.state');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JsonQueryError);
    expect((error as JsonQueryError).code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toMatch(/^kafka\.topics\[1\]\.mapping\.state: the JSONata query does not compile at column \d+/);
    expect((error as Error).message).toContain('query: status.(state');
  });

  it('resolves undefined when nothing matches', async () => {
    expect(await compileJsonQuery('a.b.c', 'x').evaluate({ a: 1 })).toBeUndefined();
  });

  it('fails a query that recurses without end instead of hanging (a tail call is caught by the time bound)', async () => {
    const q = compileJsonQuery('($f := function($n) { 1 + $f($n + 1) }; $f(0))', 'x', { maxDepth: 100 });
    await expect(q.evaluate({})).rejects.toThrow(/x: the JSONata query failed.*deeper than 100 levels/);
  });

  it('fails a query that loops longer than its time bound', async () => {
    const q = compileJsonQuery('$count($map([1..1000000], function($v) { $v * 2 }))', 'x', { timeoutMs: 20 });
    await expect(q.evaluate({})).rejects.toThrow(/took longer than 20 ms/);
  });

  it('keeps each evaluation\'s budget its own when evaluations overlap', async () => {
    const q = compileJsonQuery('$count($map([1..20000], function($v) { $v }))', 'x', { timeoutMs: 5000 });
    expect(await Promise.all([q.evaluate({}), q.evaluate({}), q.evaluate({})])).toEqual([20000, 20000, 20000]);
  });

  it('names the query when it fails on an input', async () => {
    const q = compileJsonQuery('$number(a) + 1', 'api.resources[0].states');
    await expect(q.evaluate({ a: 'x' })).rejects.toThrow(/api\.resources\[0\]\.states: the JSONata query failed/);
  });
});
