import { ObservationKinds } from '@tester/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPluginHarness, type PluginHarness } from '@tester/core/testing';
import { FakeControlPlane } from '../../test/fake-control-plane';
import { apiPlugin, chaosParamsSchema, httpParamsSchema } from '../index';

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

const plugin = () => apiPlugin({ baseUrl: cp.url, chaosPollInterval: '20ms' });

describe('CHAOS', () => {
  it('writes the ledger before the POST, injects, reports the end and rolls back verified', async () => {
    const p = plugin();
    const ctx = h.actionContext(p.options);
    const recordLedger = ctx.ledger.record.bind(ctx.ledger);
    let postsWhenLedgered = -1;
    const withCheck = { ...ctx, ledger: { record: async (e: Parameters<typeof recordLedger>[0]) => ((postsWhenLedgered = cp.requests.filter((r) => r.method === 'POST').length), recordLedger(e)) } };
    const params = chaosParamsSchema.parse({ system: 'mysql-2', fault: 'CONNECTION_LOSS', duration: 30, params: { note: 'x' } });
    const outcome = (await p.actions!.CHAOS!.run(withCheck, params))!;
    expect(postsWhenLedgered).toBe(0);
    const [fault] = outcome.faults!;
    expect(fault).toMatchObject({ system: 'mysql-2', fault: 'CONNECTION_LOSS' });
    expect(h.ledger[0]).toMatchObject({ action: 'CHAOS', data: { chaosId: fault!.id, system: 'mysql-2' }, struck: false });
    const chaos = cp.chaos.get(fault!.id)!;
    expect(chaos).toMatchObject({ status: 'ACTIVE', duration: 30, params: { note: 'x' } });
    expect(cp.requests.find((r) => r.method === 'POST')!.headers['x-tester-run']).toMatch(/^run-/);
    await outcome.rollback!.run(AbortSignal.timeout(5000));
    expect(chaos.status).toBe('CANCELLED');
    expect(h.ledger[0]!.struck).toBe(true);
    expect(cp.requests.map((r) => r.method).slice(-2)).toEqual(['DELETE', 'GET']);
    const ended = await fault!.ended;
    expect(ended).toBeGreaterThanOrEqual(fault!.startedAt - 50);
    expect(ended).toBeLessThanOrEqual(h.clock.now());
  });

  it('ended resolves when the control plane ends the fault on its own, also from the observer timeline', async () => {
    const p = plugin();
    const outcome = (await p.actions!.CHAOS!.run(h.actionContext(p.options), chaosParamsSchema.parse({ system: 'mysql-2', fault: 'LATENCY', duration: '300ms' })))!;
    const fault = outcome.faults![0]!;
    const ended = await fault.ended;
    expect(cp.chaos.get(fault.id)!.status).toBe('ENDED');
    expect(ended - fault.startedAt).toBeGreaterThan(150);
    await outcome.rollback!.run(AbortSignal.timeout(5000)); // idempotent on an ended chaos
    expect(h.ledger[0]!.struck).toBe(true);
    // The same end seen by an observer is enough.
    const second = (await p.actions!.CHAOS!.run(h.actionContext({ ...p.options, chaosPollInterval: 60_000 }), chaosParamsSchema.parse({ system: 'mysql', fault: 'LATENCY', duration: 60 })))!;
    const id = second.faults![0]!.id;
    h.timeline.append({ source: 'api', kind: ObservationKinds.chaos, receivedAt: h.clock.now(), data: { id, system: 'mysql', fault: 'LATENCY', status: 'ENDED', endedAt: new Date().toISOString() }, ref: { type: 'runtime', detail: 'test' } });
    await expect(second.faults![0]!.ended).resolves.toBeTypeOf('number');
    await second.rollback!.run(AbortSignal.timeout(5000));
  });

  it('fails clearly when the control plane ignores the client-chosen id, undoing what it can', async () => {
    cp.ignoreChaosId = true;
    const p = plugin();
    await expect(p.actions!.CHAOS!.run(h.actionContext(p.options), chaosParamsSchema.parse({ system: 'mysql-2', fault: 'LATENCY', duration: 5 }))).rejects.toMatchObject({
      code: 'ACTION_FAILED',
      message: expect.stringMatching(/ignored the client-chosen chaos id/),
    });
  });

  it('rejects an unknown fault with the answer, and strikes the ledger entry when nothing was injected', async () => {
    const p = plugin();
    await expect(p.actions!.CHAOS!.run(h.actionContext(p.options), chaosParamsSchema.parse({ system: 'mysql-2', fault: 'X', duration: 1 }))).rejects.toMatchObject({
      code: 'ACTION_FAILED',
      message: expect.stringMatching(/-> 400 \(.*unknown fault X.*\): expected 200 or 201 or 202\. Check the fault name/),
    });
    expect(h.ledger[0]!.struck).toBe(true);
    cp.mode = '500';
    await expect(p.actions!.CHAOS!.run(h.actionContext(p.options), chaosParamsSchema.parse({ system: 'mysql-2', fault: 'X', duration: 1 }))).rejects.toMatchObject({
      code: 'ACTION_FAILED',
      message: expect.stringMatching(/POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/chaos -> 500/),
    });
  });

  it('recover() ends a chaos left in the ledger by a dead run, idempotently', async () => {
    const p = plugin();
    const outcome = (await p.actions!.CHAOS!.run(h.actionContext(p.options), chaosParamsSchema.parse({ system: 'mysql-2', fault: 'LATENCY', duration: 60 })))!;
    const entry = { ...h.ledger[0]!, id: 'l1', runId: 'dead', plugin: p.name, recordedAt: new Date().toISOString() };
    await p.actions!.CHAOS!.recover!(entry, h.actionContext(p.options));
    expect(cp.chaos.get(outcome.faults![0]!.id)!.status).toBe('CANCELLED');
    await p.actions!.CHAOS!.recover!(entry, h.actionContext(p.options));
    await outcome.faults![0]!.ended;
  });
});

describe('HTTP', () => {
  const run = (params: unknown) => {
    const p = plugin();
    return p.actions!.HTTP!.run(h.actionContext(p.options), httpParamsSchema.parse(params));
  };

  it('checks status, equals, regex and JSON paths', async () => {
    await expect(run({ path: '/api/v1/systems/', expect: { status: 404 } })).resolves.toMatchObject({ summary: expect.stringMatching(/GET .* -> 404/) });
    await expect(run({ path: '/api/v1/desired/mysql.max_connections', expect: { body: { equals: 100 } } })).resolves.toBeDefined();
    await expect(run({ method: 'PUT', path: '/api/v1/desired/x', body: { a: [1, 2] }, expect: { body: { json: { 'a.1': 2 }, regex: '"a":\\[1' } } })).resolves.toBeDefined();
    await expect(run({ path: '/api/v1/desired/x', expect: { status: [201, 202], body: { json: { a: 'no' } } } })).rejects.toMatchObject({
      code: 'ACTION_FAILED',
      message: expect.stringMatching(/-> 200 .*status 200, expected 201 or 202; "a" is \[1,2\], expected "no"/),
    });
  });

  it('refuses non-loopback URLs and needs exactly one of path or url', async () => {
    await expect(run({ url: 'http://example.com/x' })).rejects.toThrow(/not a loopback address/);
    expect(() => httpParamsSchema.parse({ path: '/a', url: 'http://127.0.0.1/a' })).toThrow(/exactly one of path or url/);
  });

  it('refuses, while validating, a host the config does not allow, an invalid or exponential regex, and a fault of 0 s', () => {
    const issues = (schema: { safeParse(v: unknown): { error?: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown) =>
      schema.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    const schema = apiPlugin({ allowedHosts: ['cp.staging.internal'] }).actions!.HTTP!.schema;
    expect(issues(schema, { url: 'http://example.com/x' })).toEqual([
      'url: the request to http://example.com: host "example.com" is not a loopback address; add it to allowedHosts if the control plane really lives there (api: { allowedHosts: [example.com] } in the config file)',
    ]);
    expect(issues(schema, { path: 'https://example.com/x' })).toHaveLength(1);
    expect(issues(schema, { url: 'http://cp.staging.internal/x' })).toEqual([]);
    expect(issues(schema, { url: 'http://localhost:9/x' })).toEqual([]);
    expect(issues(schema, { path: '/health' })).toEqual([]);
    expect(issues(schema, { path: '/x', expect: { body: { regex: '(' } } })).toEqual(['expect.body.regex: invalid regular expression: /(/: Unterminated group']);
    expect(issues(schema, { path: '/x', expect: { body: { regex: '(a+)+$' } } })[0]).toMatch(/^expect\.body\.regex: regular expression refused/);
    expect(issues(chaosParamsSchema, { system: 'mysql', fault: 'LATENCY', duration: 0 })).toEqual(['duration: expected a duration of more than 0, got number 0']);
    expect(issues(chaosParamsSchema, { system: 'mysql', fault: 'LATENCY', duration: 1e308 })[0]).toMatch(/^duration: expected a duration of at most 24h/);
  });
});

describe('DRIFT', () => {
  it('changes desired state and restores the previous value, verified', async () => {
    const p = plugin();
    const outcome = (await p.actions!.DRIFT!.run(h.actionContext(p.options), { resource: 'mysql.max_connections', desired: 250 }))!;
    expect(cp.desired.get('mysql.max_connections')).toBe(250);
    expect(h.ledger[0]).toMatchObject({ action: 'DRIFT', data: { resource: 'mysql.max_connections', previous: 100 } });
    await outcome.rollback!.run(AbortSignal.timeout(5000));
    expect(cp.desired.get('mysql.max_connections')).toBe(100);
    expect(h.ledger[0]!.struck).toBe(true);
  });

  it('fails before changing anything when the previous value cannot be read', async () => {
    const p = plugin();
    await expect(p.actions!.DRIFT!.run(h.actionContext(p.options), { resource: 'nope', desired: 1 })).rejects.toMatchObject({ code: 'ACTION_FAILED', message: expect.stringMatching(/-> 404.*resource "nope" exists/) });
    expect(h.ledger).toHaveLength(0);
  });
});
