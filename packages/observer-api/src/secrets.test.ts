import { ObservationKinds } from '@tester/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPluginHarness, eventually, type PluginHarness } from '@tester/core/testing';
import { FakeControlPlane } from '../test/fake-control-plane';
import { apiPlugin, httpParamsSchema } from './index';

const TOKEN = 'sekret-token-4f9a2c';
let cp: FakeControlPlane;
let h: PluginHarness;
beforeEach(async () => {
  cp = await new FakeControlPlane().start();
  h = createPluginHarness();
});
afterEach(async () => {
  h.controller.abort();
  await cp.stop();
});

describe('secrets', () => {
  it('a bearer token from config is sent, registered, and absent from every observation, error and log', async () => {
    // The server leaks the Authorization header back into what the observer reads.
    cp.setState('mysql-2', `CONNECTED`);
    const plugin = apiPlugin({ baseUrl: cp.url, auth: { type: 'bearer', token: TOKEN }, poll: { fastInterval: '20ms', slowInterval: '50ms' }, requestTimeout: '3s' });
    const session = await plugin.observers!.api!.start(h.observerContext(plugin.options));
    await session.ready();
    cp.systems.set('mysql-2', { id: 'mysql-2', state: 'DEGRADED', since: `Bearer ${TOKEN}` });
    await session.barrier(h.clock.now(), h.controller.signal);
    cp.mode = '500';
    await eventually(() => h.blindness.blind, 5000, 'blind');
    cp.mode = 'ok';
    await eventually(() => !h.blindness.blind, 5000, 'sighted');
    await session.stop();

    const errors: string[] = [];
    const ctx = h.actionContext(plugin.options);
    const run = (p: unknown) => plugin.actions!.HTTP!.run(ctx, httpParamsSchema.parse(p)).catch((e: Error) => void errors.push(`${e.message} ${JSON.stringify(e)}`));
    await run({ path: '/echo', expect: { body: { regex: 'never-matches' } } });
    await run({ path: '/echo', headers: { 'X-Api-Key': 'other-secret-77' }, expect: { status: 500 } });

    expect(cp.requests.some((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(h.secrets).toContain(TOKEN);
    expect(h.secrets).toContain('other-secret-77');
    expect(errors).toHaveLength(2);
    expect(h.timeline.query({ kind: ObservationKinds.systemState }).length).toBeGreaterThan(1);
    const out = h.everything() + errors.join('\n');
    expect(out).toContain('***');
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain('other-secret-77');
  });

  it('reads the token from the environment variable and basic credentials likewise', async () => {
    process.env.TESTER_API_TOKEN_TEST = TOKEN;
    try {
      const plugin = apiPlugin({ baseUrl: cp.url, auth: { type: 'bearer', tokenEnv: 'TESTER_API_TOKEN_TEST' } });
      await plugin.actions!.HTTP!.run(h.actionContext(plugin.options), httpParamsSchema.parse({ path: '/echo' }));
      expect(cp.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    } finally {
      delete process.env.TESTER_API_TOKEN_TEST;
    }
    const basic = apiPlugin({ baseUrl: cp.url, auth: { type: 'basic', username: 'ops', password: 'pa55word!' } });
    await expect(basic.actions!.HTTP!.run(h.actionContext(basic.options), httpParamsSchema.parse({ path: '/echo', expect: { body: { regex: '^$' } } }))).rejects.toSatisfy(
      (e: Error) => !e.message.includes('pa55word!') && !e.message.includes(Buffer.from('ops:pa55word!').toString('base64')),
    );
    expect(h.secrets).toContain('pa55word!');
    const missing = apiPlugin({ baseUrl: cp.url, auth: { type: 'bearer', tokenEnv: 'TESTER_NOT_SET_ANYWHERE' } });
    await expect(missing.actions!.HTTP!.run(h.actionContext(missing.options), httpParamsSchema.parse({ path: '/echo' }))).rejects.toThrow(/neither auth.token nor \$TESTER_NOT_SET_ANYWHERE is set/);
  });
});
