import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActionOutcome, type LedgerEntry, type LedgerEntryInput } from '@tester/core';
import { parseScenario, runScenario, formatProblem } from '@tester/core/runner';
import { createPluginHarness } from '@tester/core/testing';
import { startToxiproxy } from '../../../scripts/stack/index.mjs';
import { toxiproxyPlugin, type ToxiproxyPlugin } from '../src';
import { createProxy, firstByteMs, proxyOf, startEcho, toxicsOf } from './helpers';

// Real things only: a private Toxiproxy server (built by the stack scripts) in front of a TCP echo server on loopback.
let tp: Awaited<ReturnType<typeof startToxiproxy>>;
let echo: Awaited<ReturnType<typeof startEcho>>;
let plugin: ToxiproxyPlugin;

beforeAll(async () => {
  [tp, echo] = await Promise.all([startToxiproxy(), startEcho()]);
  plugin = toxiproxyPlugin({ url: tp.url });
});
afterAll(async () => {
  await tp?.stop();
  await echo?.close();
});

const newProxy = async () => {
  const name = `echo-${randomBytes(3).toString('hex')}`;
  return { name, port: await createProxy(tp.url, name, echo.port) };
};

const run = async (type: 'TOXIC' | 'PROXY_DOWN', raw: Record<string, unknown>, ledger?: (e: LedgerEntryInput) => Promise<void>) => {
  const h = createPluginHarness();
  const definition = plugin.actions![type]!;
  const ctx = h.actionContext(plugin.options);
  const context = ledger
    ? { ...ctx, ledger: { record: async (e: LedgerEntryInput) => (await ledger(e), ctx.ledger.record(e)) } }
    : ctx;
  const outcome = (await definition.run(context, definition.schema.parse(raw))) as Required<ActionOutcome>;
  return { h, outcome, fault: outcome.faults[0]! };
};

const asEntry = (input: LedgerEntryInput): LedgerEntry => ({ ...input, id: 'e1', runId: 'dead-run', plugin: plugin.name, recordedAt: new Date().toISOString() });

describe('TOXIC against a real Toxiproxy', () => {
  it('adds the toxic after writing the ledger, really delays the bytes, and removes exactly it at the deadline', async () => {
    const { name, port } = await newProxy();
    const baseline = await firstByteMs(port, 'x');
    expect(baseline).toBeLessThan(1000);
    let toxicsWhenLedgerWritten: unknown[] | undefined;
    const { h, outcome, fault } = await run('TOXIC', { proxy: name, toxic: 'latency', attributes: { latency: 1500 }, duration: '3s', system: 'echo' }, async () => {
      toxicsWhenLedgerWritten = await toxicsOf(tp.url, name);
    });
    expect(toxicsWhenLedgerWritten).toEqual([]);
    expect(h.ledger).toHaveLength(1);
    expect(h.ledger[0]).toMatchObject({ action: 'TOXIC', struck: false, data: { url: tp.url, proxy: name, system: 'echo', toxic: fault.id, type: 'latency' } });
    expect(fault).toMatchObject({ system: 'echo', fault: 'LATENCY' });

    expect(await toxicsOf(tp.url, name)).toEqual([{ name: fault.id, type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 1500, jitter: 0 } }]);
    expect(await firstByteMs(port, 'x')).toBeGreaterThanOrEqual(1450);

    const endedAt = await fault.ended;
    expect(endedAt - fault.startedAt).toBeGreaterThanOrEqual(3000);
    expect(await toxicsOf(tp.url, name)).toEqual([]);
    expect(await firstByteMs(port, 'x')).toBeLessThan(1000);
    expect(h.ledger[0]!.struck).toBe(true);
    // The runtime still runs the rollback at the scenario's end: nothing left to do, no error.
    await outcome.rollback.run(AbortSignal.timeout(5000));
  });

  it('every toxic type, with its attributes, toxicity and stream, as Toxiproxy stores it; the rollback ends it early', async () => {
    const cases: Array<[string, Record<string, number>]> = [
      ['latency', { latency: 100, jitter: 10 }],
      ['bandwidth', { rate: 50 }],
      ['slow_close', { delay: 200 }],
      ['timeout', { timeout: 500 }],
      ['reset_peer', { timeout: 100 }],
      ['slicer', { average_size: 16, size_variation: 4, delay: 10 }],
      ['limit_data', { bytes: 1024 }],
    ];
    const { name } = await newProxy();
    for (const [toxic, attributes] of cases) {
      const { h, outcome, fault } = await run('TOXIC', { proxy: name, toxic, attributes, toxicity: 0.5, stream: 'upstream', duration: 60, system: 'echo' });
      const [stored, ...others] = await toxicsOf(tp.url, name);
      expect(others).toEqual([]);
      expect(stored).toMatchObject({ name: fault.id, type: toxic, stream: 'upstream', toxicity: 0.5 });
      expect(stored!.attributes).toMatchObject(attributes);
      await outcome.rollback.run(AbortSignal.timeout(5000));
      expect(await toxicsOf(tp.url, name)).toEqual([]);
      expect((await fault.ended) - fault.startedAt).toBeLessThan(60_000);
      expect(h.ledger[0]!.struck).toBe(true);
    }
  });

  it('removes only its own toxic: one added by someone else stays', async () => {
    const { name } = await newProxy();
    await fetch(`${tp.url}/proxies/${name}/toxics`, { method: 'POST', body: JSON.stringify({ name: 'theirs', type: 'latency', attributes: { latency: 1 } }) });
    const { outcome } = await run('TOXIC', { proxy: name, toxic: 'bandwidth', attributes: { rate: 10 }, duration: 60, system: 'echo' });
    expect((await toxicsOf(tp.url, name)).map((t) => t.name).sort()).toEqual(['theirs', outcome.faults[0]!.id].sort());
    await outcome.rollback.run(AbortSignal.timeout(5000));
    expect((await toxicsOf(tp.url, name)).map((t) => t.name)).toEqual(['theirs']);
  });

  it('recover (tester cleanup after a dead run) removes a toxic left behind, and is idempotent', async () => {
    const { name, port } = await newProxy();
    const { h, fault } = await run('TOXIC', { proxy: name, toxic: 'latency', attributes: { latency: 1500 }, duration: 60, system: 'echo' });
    h.controller.abort(); // the run dies: no deadline, no rollback
    expect((await toxicsOf(tp.url, name)).map((t) => t.name)).toEqual([fault.id]);
    const recover = plugin.actions!.TOXIC!.recover!;
    const ctx = h.actionContext(plugin.options);
    await recover(asEntry(h.ledger[0]!), ctx);
    expect(await toxicsOf(tp.url, name)).toEqual([]);
    expect(await firstByteMs(port, 'x')).toBeLessThan(1000);
    await recover(asEntry(h.ledger[0]!), ctx);
  });

  it('an unknown proxy fails before anything is recorded, with the proxies Toxiproxy has', async () => {
    const { name } = await newProxy();
    const h = createPluginHarness();
    const definition = plugin.actions!.TOXIC!;
    const params = definition.schema.parse({ proxy: `${name}x`, toxic: 'latency', attributes: { latency: 1 }, duration: 1, system: 'echo' });
    await expect(definition.run(h.actionContext(plugin.options), params)).rejects.toMatchObject({
      code: 'ACTION_FAILED',
      message: expect.stringContaining(`has no proxy "${name}x" (did you mean "${name}"?)`),
    });
    expect(h.ledger).toEqual([]);
  });
});

describe('PROXY_DOWN against a real Toxiproxy', () => {
  it('refuses connections for the duration, then the proxy is enabled again (deadline on the clock)', async () => {
    const { name, port } = await newProxy();
    const { h, fault } = await run('PROXY_DOWN', { proxy: name, duration: '1.5s', system: 'echo' });
    expect(h.ledger[0]).toMatchObject({ action: 'PROXY_DOWN', data: { proxy: name, url: tp.url }, struck: false });
    expect(fault).toMatchObject({ fault: 'PROXY_DOWN', system: 'echo' });
    expect((await proxyOf(tp.url, name)).enabled).toBe(false);
    await expect(firstByteMs(port, 'x')).rejects.toThrow(/ECONNREFUSED|closed/);
    const endedAt = await fault.ended;
    expect(endedAt - fault.startedAt).toBeGreaterThanOrEqual(1500);
    expect((await proxyOf(tp.url, name)).enabled).toBe(true);
    expect(await firstByteMs(port, 'x')).toBeLessThan(1000);
    expect(h.ledger[0]!.struck).toBe(true);
  });

  it('refuses a proxy that is already disabled (it would not know whether to re-enable it)', async () => {
    const { name } = await newProxy();
    await fetch(`${tp.url}/proxies/${name}`, { method: 'POST', body: JSON.stringify({ enabled: false }) });
    await expect(run('PROXY_DOWN', { proxy: name, duration: 1, system: 'echo' })).rejects.toMatchObject({ code: 'ACTION_FAILED', message: expect.stringContaining('already disabled') });
  });

  it('recover re-enables a proxy a dead run left disabled, idempotently', async () => {
    const { name, port } = await newProxy();
    const { h } = await run('PROXY_DOWN', { proxy: name, duration: 60, system: 'echo' });
    h.controller.abort();
    expect((await proxyOf(tp.url, name)).enabled).toBe(false);
    const recover = plugin.actions!.PROXY_DOWN!.recover!;
    await recover(asEntry(h.ledger[0]!), h.actionContext(plugin.options));
    await recover(asEntry(h.ledger[0]!), h.actionContext(plugin.options));
    expect((await proxyOf(tp.url, name)).enabled).toBe(true);
    expect(await firstByteMs(port, 'x')).toBeLessThan(1000);
  });
});

describe('through the runtime', () => {
  it('a scenario with a TOXIC: the fault window is the toxic, and nothing is left behind', async () => {
    const { name } = await newProxy();
    const loaded = parseScenario(
      `name: echo_latency
timeout: 30s
window: { settle: 200ms }
actions:
  - { id: slow, type: TOXIC, proxy: ${name}, toxic: latency, attributes: { latency: 50 }, duration: 1s, system: echo, harmless: true }
`,
      { file: 'echo.yaml', plugins: [plugin] },
    );
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    expect(loaded.scenario.systems).toEqual(['echo']);
    const result = await runScenario(loaded.scenario, { plugins: [plugin] });
    expect(result.status, result.reason).toBe('passed');
    expect(result.faults).toHaveLength(1);
    expect(result.faults[0]).toMatchObject({ system: 'echo', fault: 'LATENCY', actionId: 'slow' });
    expect(result.faults[0]!.endedAt! - result.faults[0]!.startedAt).toBeGreaterThanOrEqual(1000);
    expect(await toxicsOf(tp.url, name)).toEqual([]);
  });
});
