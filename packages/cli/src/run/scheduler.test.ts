import { describe, expect, it } from 'vitest';
import { schedule, type Job } from './scheduler';
import { selectShard } from './shard';

/** Jobs that finish when the test says so, recording what ran at the same time. */
function harness() {
  const running = new Set<string>();
  const overlaps: string[][] = [];
  const release = new Map<string, () => void>();
  const started: string[] = [];
  const job = (id: string, systems: string[], result = 'ok'): Job<string> => ({
    id,
    systems,
    run: () =>
      new Promise<string>((resolve) => {
        started.push(id);
        running.add(id);
        overlaps.push([...running].sort());
        release.set(id, () => {
          running.delete(id);
          resolve(result);
        });
      }),
  });
  /** Resolves once `id` has started (a condition, not a sleep). */
  const whenStarted = async (id: string) => {
    while (!release.has(id)) await new Promise((r) => setImmediate(r));
  };
  const finish = async (id: string) => {
    await whenStarted(id);
    release.get(id)?.();
  };
  return { job, overlaps, started, finish, whenStarted, running };
}

describe('schedule', () => {
  it('runs scenarios on different systems together and never two on the same system', async () => {
    const h = harness();
    const done = schedule([h.job('a', ['mysql']), h.job('b', ['mysql']), h.job('c', ['mysql-2'])], { concurrency: 3 });
    await h.whenStarted('a');
    await h.whenStarted('c');
    expect(h.started).toEqual(['a', 'c']);
    await h.finish('a');
    await h.finish('b');
    await h.finish('c');
    const outcomes = await done;
    expect(outcomes.map((o) => o.ran)).toEqual([true, true, true]);
    expect(h.overlaps.some((o) => o.includes('a') && o.includes('c'))).toBe(true);
    expect(h.overlaps.some((o) => o.includes('a') && o.includes('b'))).toBe(false);
  });

  it('respects the concurrency limit', async () => {
    const h = harness();
    const done = schedule(['a', 'b', 'c'].map((id) => h.job(id, [id])), { concurrency: 2 });
    await h.whenStarted('b');
    expect(h.started).toEqual(['a', 'b']);
    await h.finish('b');
    await h.finish('c');
    await h.finish('a');
    await done;
    expect(Math.max(...h.overlaps.map((o) => o.length))).toBe(2);
  });

  it('fail-fast: lets the running job finish and marks the rest not run', async () => {
    const h = harness();
    const done = schedule([h.job('a', ['x'], 'bad'), h.job('b', ['y']), h.job('c', ['z'])], { concurrency: 2, stopAfter: (v) => v === 'bad' });
    await h.whenStarted('b');
    await h.finish('a');
    await h.finish('b');
    const outcomes = await done;
    expect(outcomes).toEqual([
      { id: 'a', ran: true, value: 'bad' },
      { id: 'b', ran: true, value: 'ok' },
      { id: 'c', ran: false, reason: 'fail-fast' },
    ]);
  });

  it('starts nothing after the signal aborts', async () => {
    const h = harness();
    const controller = new AbortController();
    const done = schedule([h.job('a', []), h.job('b', [])], { concurrency: 1, signal: controller.signal });
    await h.whenStarted('a');
    controller.abort();
    await h.finish('a');
    expect((await done)[1]).toEqual({ id: 'b', ran: false, reason: 'interrupted' });
  });
});

describe('selectShard', () => {
  const files = ['c.yaml', 'a.yaml', 'e.yaml', 'b.yaml', 'd.yaml'];
  it('covers every item exactly once across shards, whatever the input order', () => {
    const shards = [1, 2, 3].map((index) => selectShard(files, { index, total: 3 }, (f) => f));
    expect(shards).toEqual([['a.yaml', 'd.yaml'], ['b.yaml', 'e.yaml'], ['c.yaml']]);
    expect(shards.flat().sort()).toEqual([...files].sort());
    expect(selectShard([...files].reverse(), { index: 2, total: 3 }, (f) => f)).toEqual(['b.yaml', 'e.yaml']);
  });
  it('returns an empty shard when there are more shards than items', () => {
    expect(selectShard(['a'], { index: 2, total: 2 }, (f) => f)).toEqual([]);
  });
});
