import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPluginHarness, eventually } from '@tester/core/testing';
import type { ObserverSession } from '@tester/core';
import { ensureStack, startToxiproxy, type StackInfo } from '../../../scripts/stack/index.mjs';
import { sqlObserverPlugin, type SqlOptions } from '../src/index';

/**
 * The example observer against the real MariaDB, reached through a private Toxiproxy so the test can take the
 * database away: the three things a hand-written poll loop got wrong (ready() rejecting on the first failed poll,
 * stop() resolving pending barriers, blindness) are PollLoop's and must hold here.
 */
let stack: StackInfo;
let tp: Awaited<ReturnType<typeof startToxiproxy>>;

beforeAll(async () => {
  stack = await ensureStack();
  tp = await startToxiproxy();
});
afterAll(async () => {
  await tp?.stop();
  await stack?.stop();
});

/** A port free now: a disabled proxy does not listen, so it cannot be given port 0. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

async function proxy(name: string, enabled: boolean): Promise<{ port: number; set(enabled: boolean): Promise<void> }> {
  const upstream = `${stack.mariadb.host}:${stack.mariadb.port}`;
  const listen = `127.0.0.1:${await freePort()}`;
  const res = await fetch(`${tp.url}/proxies`, { method: 'POST', body: JSON.stringify({ name, listen, upstream, enabled }) });
  if (res.status !== 201) throw new Error(`creating proxy ${name}: ${res.status} ${await res.text()}`);
  const set = async (on: boolean) => {
    const r = await fetch(`${tp.url}/proxies/${name}`, { method: 'POST', body: JSON.stringify({ enabled: on }) });
    if (r.status !== 200) throw new Error(`toggling proxy ${name}: ${r.status}`);
  };
  return { port: Number(listen.split(':').at(-1)), set };
}

function start(port: number, extra: Partial<SqlOptions> = {}) {
  const h = createPluginHarness();
  const options: SqlOptions = {
    host: '127.0.0.1',
    port,
    user: stack.mariadb.user,
    password: stack.mariadb.password,
    queries: { one: 'select 1 as n' },
    poll: { fastInterval: '50ms', slowInterval: '200ms', readyTimeout: '10s' },
    ...extra,
  };
  const plugin = sqlObserverPlugin(options);
  const session = plugin.observers!.sql!.start(h.observerContext(undefined, 'sql')) as ObserverSession;
  return { h, session };
}

describe('the example sql observer on PollLoop (real MariaDB through Toxiproxy)', () => {
  it('ready() waits through failed first polls and resolves once the database answers', async () => {
    const db = await proxy(`sql-ready-${process.pid}`, false);
    const { h, session } = start(db.port);
    try {
      await eventually(() => h.blindness.events.length > 0, 10_000, 'a failed first poll');
      let settled: string | undefined;
      void session.ready().then(
        () => (settled = 'resolved'),
        (e: Error) => (settled = `rejected: ${e.message}`),
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(settled, 'ready() must not settle while the database is away (within readyTimeout)').toBeUndefined();
      await db.set(true);
      await session.ready();
      expect(settled).toBe('resolved');
      expect(h.timeline.query({ kind: 'sql.rows' }).map((o) => o.data)).toEqual([{ query: 'one', rowCount: 1, rows: [{ n: 1 }] }]);
      expect(h.blindness.events[0]).toMatch(/^blind: .*query failed at 127\.0\.0\.1:\d+/);
      expect(h.blindness.events.at(-1)).toBe('sighted');
    } finally {
      await session.stop();
    }
  });

  it('ready() rejects after readyTimeout with the address and a hint', async () => {
    const db = await proxy(`sql-never-${process.pid}`, false);
    const { session } = start(db.port, { poll: { fastInterval: '50ms', slowInterval: '100ms', readyTimeout: '800ms' } });
    try {
      await expect(session.ready()).rejects.toThrow(/the sql observer: no successful poll within 800 ms: .*query failed at 127\.0\.0\.1:\d+.*Check that MariaDB\/MySQL answers/s);
    } finally {
      await session.stop();
    }
  });

  it('a barrier waits while the database is away, is met once it is back, and stop() never resolves a pending one', async () => {
    const db = await proxy(`sql-barrier-${process.pid}`, true);
    const { h, session } = start(db.port);
    await session.ready();
    await db.set(false);
    await eventually(() => h.blindness.blind, 10_000, 'the observer to go blind');
    let met = false;
    const first = session.barrier(h.clock.now(), new AbortController().signal).then(() => (met = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(met, 'a barrier must not be met while the source cannot be read').toBe(false);
    await db.set(true);
    await first;
    expect(h.blindness.events.at(-1)).toBe('sighted');

    await db.set(false);
    await eventually(() => h.blindness.blind, 10_000, 'the observer to go blind again');
    const pending = session.barrier(h.clock.now(), new AbortController().signal);
    const outcome = pending.then(() => 'resolved', () => 'rejected');
    await session.stop();
    expect(await outcome, 'stop() must not pretend a barrier was met').toBe('rejected');
  });
});
