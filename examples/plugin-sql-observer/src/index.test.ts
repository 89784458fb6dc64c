import { PLUGIN_API_VERSION } from '@tester/core';
import { describe, expect, it } from 'vitest';
import { sqlObserverPlugin } from './index';

describe('sqlObserverPlugin', () => {
  it('is a plugin of the current API with the sql observer and expectation section', () => {
    const plugin = sqlObserverPlugin({ queries: { n: 'select 1' } });
    expect(plugin).toMatchObject({ name: 'tester-plugin-sql-observer', apiVersion: PLUGIN_API_VERSION, });
    expect(Object.keys(plugin.observers ?? {})).toEqual(['sql']);
    expect(Object.keys(plugin.assertions ?? {})).toEqual(['sql']);
  });

  it('reads durations as scenarios do: a bare number is seconds', () => {
    expect(() => sqlObserverPlugin({ queries: { n: 'select 1' }, poll: { fastInterval: '5ms' } })).toThrow(/fastInterval/);
    expect(() => sqlObserverPlugin({ queries: { n: 'select 1' }, poll: { slowInterval: 2, readyTimeout: '3s' } })).not.toThrow();
  });

  it('rejects bad options naming the field', () => {
    expect(() => sqlObserverPlugin({ queries: {}, port: 'x' as unknown as number })).toThrow(/port/);
    expect(() => sqlObserverPlugin({ queries: { n: 'select 1' }, hots: 'db' } as never)).toThrow(/hots/);
  });

  it('requires a row bound in each expectation item', () => {
    const schema = sqlObserverPlugin({ queries: { n: 'select 1' } }).assertions!.sql!.schema;
    expect(schema.safeParse({ query: 'n', min_rows: 1 }).success).toBe(true);
    expect(schema.safeParse({ query: 'n' }).success).toBe(false);
  });
});
