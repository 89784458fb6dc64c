import { describe, expect, it } from 'vitest';
import { apiPlugin, parseApiConfig } from './index';

describe('api config', () => {
  it('defaults to the reference control plane contract', () => {
    const c = parseApiConfig({});
    expect(c.baseUrl).toBe('http://127.0.0.1:8080');
    expect(c.endpoints.policyExecutions).toBe('/api/v1/policies/{id}/executions');
    expect(c.fields.systems).toEqual({ items: '', id: 'id', state: 'state', since: 'since' });
    expect(c.poll.fastInterval).toBeLessThanOrEqual(100);
    expect(c.requestTimeout).toBe(2000);
    expect(c.runHeader).toBe('X-Tester-Run');
  });

  it('accepts other routes and field names', () => {
    const c = parseApiConfig({ endpoints: { systems: '/v2/nodes' }, fields: { systems: { items: 'data', state: 'status.phase' } }, poll: { fastInterval: '50ms', slowInterval: 5 } });
    expect(c.endpoints.systems).toBe('/v2/nodes');
    expect(c.endpoints.chaos).toBe('/api/v1/chaos');
    expect(c.fields.systems.state).toBe('status.phase');
    expect(c.poll).toMatchObject({ fastInterval: 50, slowInterval: 5000 });
  });

  it('refuses intervals and timeouts under 10 ms: 0 would busy-poll', () => {
    expect(() => parseApiConfig({ poll: { fastInterval: 0 } })).toThrow(/config poll\.fastInterval: expected a duration of at least 10ms, got number 0/);
    for (const key of ['requestTimeout', 'chaosPollInterval'] as const) expect(() => parseApiConfig({ [key]: '1ms' })).toThrow(new RegExp(`config ${key}: expected a duration of at least 10ms`));
    expect(parseApiConfig({ poll: { fastInterval: '10ms' } }).poll.fastInterval).toBe(10);
  });

  it('reports every problem with its path and a fix', () => {
    expect(() => parseApiConfig({ baseUrl: 'nope', poll: { fastInterval: 'soon' }, colour: 1 } as never)).toThrowError(
      /config baseUrl: expected an http\(s\) URL.*\n.*config poll\.fastInterval: expected a duration such as 30.*got .*"soon"/s,
    );
    try {
      parseApiConfig({ poll: { fastInterval: '3s', slowInterval: '1s' } });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
      expect((error as Error).message).toMatch(/fastInterval: 3000 ms is longer than poll.slowInterval/);
    }
  });

  it('refuses a non-loopback base URL unless the host is allowed', async () => {
    const plugin = apiPlugin({ baseUrl: 'http://example.com:8080' });
    const { createPluginHarness } = await import('@tester/core/testing');
    const h = createPluginHarness();
    expect(() => plugin.observers!.api!.start(h.observerContext(plugin.options))).toThrowError(/not a loopback address; add it to allowedHosts/);
    expect(apiPlugin({ baseUrl: 'http://cp.internal', allowedHosts: ['cp.internal'] }).options?.baseUrl).toBe('http://cp.internal');
  });

  it('is a plugin under the core contract', () => {
    const plugin = apiPlugin();
    expect(plugin.name).toBe('@tester/observer-api');
    expect(plugin.apiVersion).toBe(1);
    expect(Object.keys(plugin.actions ?? {})).toEqual(['CHAOS', 'HTTP', 'DRIFT']);
    expect(plugin.observers?.api?.source).toBe('api');
    expect(plugin.actions!.CHAOS!.systems!({ system: 'mysql-2', fault: 'LATENCY', duration: 1000 })).toEqual(['mysql-2']);
  });
});
