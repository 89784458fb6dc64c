import { describe, expect, it } from 'vitest';
import type { Observation } from './observation';
import type { ObservationQuery } from './timeline-types';
import { createTimeline, matchesQuery } from './timeline';

const ref = { type: 'custom', summary: 't' } as const;
const add = (t: ReturnType<typeof createTimeline>, source: string, kind: string, subject?: string, at = 0) =>
  t.append({ source, kind, subject, receivedAt: at, data: {}, ref });

describe('createTimeline', () => {
  it('orders by seq and answers queries by source, kind, subject and time through its indexes', () => {
    const t = createTimeline();
    add(t, 'api', 'system.state', 'mysql', 1);
    add(t, 'kafka', 'event', 'CONNECTION_LOST', 2);
    add(t, 'api', 'system.state', 'mysql-2', 3);
    add(t, 'kafka', 'event', 'CONNECTION_RESTORED', 4);
    expect(t.size).toBe(4);
    expect(t.query().map((o) => o.seq)).toEqual([1, 2, 3, 4]);
    expect(t.query({ source: 'api' }).map((o) => o.subject)).toEqual(['mysql', 'mysql-2']);
    expect(t.query({ kind: ['event', 'system.state'], since: 2, until: 3 }).map((o) => o.seq)).toEqual([2, 3]);
    expect(t.query({ source: ['kafka', 'api'], subject: 'mysql' }).map((o) => o.seq)).toEqual([1]);
    expect(t.latest({ kind: 'event' })?.subject).toBe('CONNECTION_RESTORED');
    expect(t.get(2)?.source).toBe('kafka');
  });

  it('notifies subscribers synchronously, in order, filtered by query, until unsubscribed', () => {
    const t = createTimeline();
    const seen: number[] = [];
    const stop = t.subscribe((o) => seen.push(o.seq), { kind: 'event' });
    add(t, 'kafka', 'event');
    add(t, 'api', 'system.state');
    add(t, 'kafka', 'event');
    stop();
    add(t, 'kafka', 'event');
    expect(seen).toEqual([1, 3]);
  });

  it('waitFor resolves with an existing or a later observation, and rejects on abort', async () => {
    const t = createTimeline();
    add(t, 'kafka', 'event', 'A');
    const controller = new AbortController();
    await expect(t.waitFor((o) => o.subject === 'A', { signal: controller.signal })).resolves.toMatchObject({ seq: 1 });
    const later = t.waitFor((o) => o.subject === 'B', { query: { kind: 'event' }, signal: controller.signal });
    add(t, 'kafka', 'event', 'B');
    await expect(later).resolves.toMatchObject({ seq: 2 });
    const never = t.waitFor((o) => o.subject === 'C', { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(never).rejects.toThrow('stop');
  });

  it('caps memory: evicts the oldest unpinned observations, keeps pinned evidence, counts what it dropped', () => {
    const t = createTimeline({ cap: 100 });
    const evidence = add(t, 'kafka', 'event', 'KEEP');
    t.pin(evidence.seq);
    for (let i = 0; i < 10_000; i++) add(t, 'prometheus', 'metric.sample', 'q', i);
    expect(t.size).toBe(10_001);
    expect(t.query().length).toBe(100);
    expect(t.dropped).toBe(9_901);
    expect(t.get(evidence.seq)?.subject).toBe('KEEP');
    expect(t.query({ kind: 'metric.sample' }).map((o) => o.seq)[0]).toBe(9_903);
    expect(t.latest({ kind: 'metric.sample' })?.seq).toBe(10_001);
    expect(t.latest({ subject: 'KEEP' })?.seq).toBe(1);
    expect(t.latest({ kind: 'nothing' })).toBeUndefined();
  });
});

describe('timeline indexes', () => {
  it('answer every query shape exactly as a plain filter would', () => {
    const timeline = createTimeline({ cap: 10_000 });
    const all: Observation[] = [];
    const sources = ['api', 'kafka'];
    const kinds = ['system.state', 'event', 'metric.sample'];
    const subjects = [undefined, 'mysql', 'mysql-2', 'CONNECTION_LOST'];
    for (let i = 0; i < 600; i++) {
      const subject = subjects[(i * 7) % subjects.length];
      all.push(
        timeline.append({
          source: sources[i % 2]!, kind: kinds[(i * 5) % 3]!, ...(subject === undefined ? {} : { subject }),
          receivedAt: i, data: {}, ref: { type: 'runtime', detail: String(i) },
        }),
      );
    }
    const queries: ObservationQuery[] = [
      {}, { kind: 'event' }, { kind: 'event', subject: 'mysql' }, { kind: ['event', 'system.state'], subject: 'mysql-2' },
      { source: 'kafka', kind: 'metric.sample', subject: 'CONNECTION_LOST', since: 100, until: 400 }, { subject: 'mysql' },
      { source: ['api', 'kafka'], kind: 'system.state' }, { kind: 'nothing', subject: 'mysql' },
    ];
    for (const q of queries) {
      const expected = all.filter((o) => matchesQuery(o, q));
      expect(timeline.query(q), JSON.stringify(q)).toEqual(expected);
      expect(timeline.latest(q), JSON.stringify(q)).toEqual(expected.at(-1));
    }
  });
});
