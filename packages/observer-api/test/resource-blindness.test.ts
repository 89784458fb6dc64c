/**
 * Blindness per resource the scenario needs, under core's real runtime: a broken endpoint the scenario does not
 * read (`/api/v1/drift`) does not blind the `api` source; a broken one it reads (`/api/v1/systems`) does, and the
 * scenario is `error` naming it; a failure decided on the last state the dead endpoint showed is `error`, not
 * `failed`; drift that showed activity is needed.
 */
import { definePlugin, PLUGIN_API_VERSION, z, type Observation } from '@tester/core';
import { parseScenario, runScenario, type ScenarioResult } from '@tester/core/runner';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiPlugin } from '../src/index';
import { FakeControlPlane } from './fake-control-plane';

let cp: FakeControlPlane;
beforeEach(async () => {
  cp = await new FakeControlPlane().start();
});
afterEach(async () => {
  await cp.stop();
});

/**
 * `BREAK` makes `paths` answer 500 (and may change the fake first). `probe` passes once the window is closed;
 * `connected_by` fails at its deadline when the last state seen of `system` is not CONNECTED.
 */
function probePlugin(before?: () => void) {
  return definePlugin({
    name: 'probe',
    apiVersion: PLUGIN_API_VERSION,
    actions: {
      BREAK: {
        schema: z.strictObject({ paths: z.array(z.string()), wait: z.number().default(0) }),
        async run(ctx, p: { paths: string[]; wait: number }) {
          before?.();
          if (p.wait) await ctx.clock.until(ctx.clock.now() + p.wait);
          for (const path of p.paths) cp.failing.add(path);
          return { summary: `broke ${p.paths.join(', ')}` };
        },
      },
    },
    assertions: {
      probe: {
        schema: z.strictObject({ source: z.string() }),
        create: (item: { source: string }) => ({
          description: `probe on ${item.source}`,
          sources: [item.source],
          needsClosedWindow: true,
          verdict: (ctx) => (ctx.window.closed ? { status: 'passed' as const, message: 'ok', evidence: [] } : { status: 'pending' as const }),
        }),
      },
      connected_by: {
        schema: z.strictObject({ system: z.string(), ms: z.number() }),
        create: (item: { system: string; ms: number }) => {
          let last: Observation | undefined;
          return {
            description: `${item.system} CONNECTED by +${item.ms}ms`,
            sources: ['api'],
            needsClosedWindow: false,
            observe: (o: Observation) => void (o.kind === 'system.state' && o.subject === item.system && (last = o)),
            verdict: (ctx) => {
              const deadline = (ctx.window.opensAt ?? 0) + item.ms;
              const state = (last?.data as { state?: string } | undefined)?.state;
              if (state === 'CONNECTED') return { status: 'passed' as const, message: 'connected', evidence: last ? [last.seq] : [] };
              if (ctx.window.opensAt === undefined || ctx.clock.now() < deadline) return { status: 'pending' as const, recheckAt: deadline };
              return { status: 'failed' as const, message: `${item.system} was ${state} at the deadline`, evidence: last ? [last.seq] : [] };
            },
          };
        },
      },
    },
  });
}

async function run(yaml: string, before?: () => void): Promise<ScenarioResult> {
  const api = apiPlugin({ baseUrl: cp.url, poll: { fastInterval: '20ms', slowInterval: '100ms', readyTimeout: '3s' }, requestTimeout: '1s' });
  const probe = probePlugin(before);
  const loaded = parseScenario(yaml, { file: 'probe.yaml', plugins: [api, probe] });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return runScenario(loaded.scenario, { plugins: [api, probe] });
}

const apiSpans = (r: ScenarioResult) => r.observers.find((o) => o.source === 'api')!.blindSpans;

describe('api observer blindness per resource, under runScenario', () => {
  it('a 500 from /api/v1/drift (not read by the scenario) blinds that resource alone: the scenario passes', { timeout: 20_000 }, async () => {
    cp.failing.add('/api/v1/drift');
    const r = await run(['name: drift-broken', 'timeout: 8', 'window: { settle: 300ms }', 'actions:', '  - { type: BREAK, paths: [] }', 'expectations:', '  probe: [{ source: api }]'].join('\n'));
    expect(r.reason).toBeUndefined();
    expect(r.status).toBe('passed');
    expect(apiSpans(r)).toEqual([expect.objectContaining({ resource: 'drift', reason: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/drift -> 500 \("internal error"\)$/) })]);
    // What the other resources showed is recorded although drift failed at every poll.
    expect(r.timeline.some((o) => o.kind === 'system.state' && o.subject === 'mysql')).toBe(true);
  });

  it('a 500 from /api/v1/systems (read by the scenario) blinds the source: error, naming the URL', { timeout: 20_000 }, async () => {
    const r = await run(['name: systems-broken', 'timeout: 4', 'window: { settle: 300ms }', 'actions:', '  - { type: BREAK, paths: [/api/v1/systems] }', 'expectations:', '  probe: [{ source: api }]'].join('\n'));
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/^probe\[0\]: could not decide: observer api was blind from [+-][\d.]+m?s on \(GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/systems -> 500 \("internal error"\)\)/);
    expect(apiSpans(r)).toEqual([expect.objectContaining({ from: expect.any(Number), to: expect.any(Number) })]);
    expect(apiSpans(r)[0]!.resource).toBeUndefined();
  });

  it('a failure decided on the last state the dead endpoint showed is error, not failed', { timeout: 20_000 }, async () => {
    cp.setState('mysql', 'DISCONNECTED');
    const r = await run(
      ['name: stale', 'timeout: 4', 'window: { settle: 300ms }', 'actions:', '  - { type: BREAK, paths: [/api/v1/systems] }', 'expectations:', '  connected_by: [{ system: mysql, ms: 1500 }]'].join('\n'),
    );
    const e = r.expectations[0]!;
    expect(e.status).toBe('error');
    expect(e.message).toMatch(/^cannot judge: observer api was blind from [+-][\d.]+m?s (on|to \+[\d.]+m?s) \(GET .*\/api\/v1\/systems -> 500 .*\); what was seen: mysql was DISCONNECTED at the deadline$/);
    // The evidence it cited is kept: the last state seen.
    expect(e.evidence.map((o) => (o.data as { state: string }).state)).toEqual(['DISCONNECTED']);
    expect(r.status).toBe('error');
  });

  it('the same failure with the source seeing is failed (the rule is about blindness, nothing else)', { timeout: 20_000 }, async () => {
    cp.setState('mysql', 'DISCONNECTED');
    const r = await run(['name: seen', 'timeout: 4', 'window: { settle: 300ms }', 'actions:', '  - { type: BREAK, paths: [] }', 'expectations:', '  connected_by: [{ system: mysql, ms: 500 }]'].join('\n'));
    expect(r.expectations[0]).toMatchObject({ status: 'failed', message: 'mysql was DISCONNECTED at the deadline' });
    expect(r.status).toBe('failed');
  });

  it('drift that showed activity in the run is needed: its 500 then blinds the source', { timeout: 20_000 }, async () => {
    const r = await run(
      ['name: drift-needed', 'timeout: 4', 'window: { settle: 300ms }', 'actions:', '  - { type: BREAK, paths: [/api/v1/drift], wait: 300 }', 'expectations:', '  probe: [{ source: api }]'].join('\n'),
      () => cp.desired.set('mysql.max_connections', 150),
    );
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/observer api was blind from .*\/api\/v1\/drift -> 500/);
    expect(apiSpans(r).map((s) => s.resource)).toEqual([undefined]);
  });
});
