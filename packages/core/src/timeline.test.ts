import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Observation, ObservationCodec, ObservationInput } from './observation';
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

/** The timeline as plainly as it can be written: every retained observation in a list, eviction by a scan. */
function modelTimeline(cap: number) {
  const all: Observation[] = [];
  const pinned = new Set<number>();
  let retained: Observation[] = [];
  let dropped = 0;
  return {
    append(o: Observation) {
      all.push(o);
      retained.push(o);
      while (retained.length > cap) {
        const victim = retained.find((r) => !pinned.has(r.seq));
        if (!victim) break;
        retained = retained.filter((r) => r !== victim);
        dropped++;
      }
    },
    pin(seq: number) {
      if (seq > all.length || retained.some((r) => r.seq === seq)) pinned.add(seq);
    },
    get retained() {
      return retained;
    },
    get dropped() {
      return dropped;
    },
  };
}

describe('timeline eviction', () => {
  it('keeps what a plain model keeps, through evictions, pins (past, present, future) and every query shape', () => {
    let state = 5;
    const rnd = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    const sources = ['api', 'kafka', 'prometheus'];
    const kinds = ['system.state', 'event', 'metric.sample'];
    const subjects = [undefined, 'mysql', 'mysql-2', 'q', 'CONNECTION_LOST'];
    const queries: ObservationQuery[] = [
      {}, { kind: 'event' }, { kind: 'event', subject: 'mysql' }, { kind: ['event', 'system.state'], subject: 'q' }, { source: ['api', 'kafka'] },
      { subject: 'mysql-2', since: 50 }, { source: 'prometheus', kind: 'metric.sample' }, { kind: ['event', 'metric.sample'] },
    ];
    for (const cap of [1, 7, 64]) {
      const timeline = createTimeline({ cap });
      const model = modelTimeline(cap);
      for (let i = 0; i < 2_000; i++) {
        const subject = subjects[rnd(subjects.length)];
        const o = timeline.append({ source: sources[rnd(3)]!, kind: kinds[rnd(3)]!, ...(subject === undefined ? {} : { subject }), receivedAt: i, data: { i }, ref });
        model.append(o);
        if (rnd(10) === 0) {
          const seq = Math.max(1, o.seq + rnd(20) - 12);
          timeline.pin(seq);
          model.pin(seq);
        }
        if (i % 97 === 0 || i > 1_950) {
          expect(timeline.query()).toEqual(model.retained);
          expect(timeline.dropped).toBe(model.dropped);
          for (const q of queries) {
            const expected = model.retained.filter((r) => matchesQuery(r, q));
            expect(timeline.query(q), `cap ${cap}, ${JSON.stringify(q)}`).toEqual(expected);
            expect(timeline.latest(q)).toBe(expected.at(-1));
          }
          for (let seq = Math.max(1, o.seq - 3 * cap); seq <= o.seq + 1; seq++) expect(timeline.get(seq)).toBe(model.retained.find((r) => r.seq === seq));
        }
      }
    }
  });

  it('drops the evicted front of long index lists without losing or repeating a seq', () => {
    // Lists long enough for their evicted front (1,024 seqs and more) to be cut off, several times over.
    const cap = 1_500;
    const timeline = createTimeline({ cap });
    const model = modelTimeline(cap);
    const queries: ObservationQuery[] = [{}, { source: 'kafka' }, { kind: 'event' }, { kind: 'event', subject: 'a' }, { subject: 'b' }, { kind: ['event', 'metric.sample'] }];
    for (let i = 0; i < 12_000; i++) {
      const o = timeline.append({ source: i % 3 === 0 ? 'api' : 'kafka', kind: i % 5 === 0 ? 'metric.sample' : 'event', subject: i % 2 ? 'a' : 'b', receivedAt: i, data: {}, ref });
      model.append(o);
      if (i % 499 === 0) {
        timeline.pin(o.seq);
        model.pin(o.seq);
      }
      if (i % 1_000 === 999) {
        for (const q of queries) {
          const expected = model.retained.filter((r) => matchesQuery(r, q)).map((r) => r.seq);
          expect(timeline.query(q).map((r) => r.seq), `after ${i + 1}, ${JSON.stringify(q)}`).toEqual(expected);
          expect(timeline.latest(q)?.seq).toBe(expected.at(-1));
        }
      }
    }
  });

  it('holds memory to the cap: a million observations on a million subjects leave nothing behind', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const timeline = createTimeline({ cap: 1_000 });
    const pin = (o: Observation) => (o.seq % 50_000 === 0 ? timeline.pin(o.seq) : undefined);
    const fill = (from: number, to: number) => {
      for (let i = from; i < to; i++) pin(timeline.append({ source: `s${i % 7}`, kind: `k${i % 5}`, subject: `subject-${i}`, receivedAt: i, data: { i }, ref }));
    };
    fill(0, 100_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    fill(100_000, 1_000_000);
    gc();
    // Nine times as many observations, on as many new index keys: what stays is the cap, 18 more pinned and noise.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(4 * 2 ** 20);
    expect(timeline.query().length).toBe(1_000);
    // Pinned evidence (seq 500,000, the 499,999th input) stays findable by its index keys; its neighbour does not.
    expect(timeline.query({ subject: 'subject-499999' }).map((o) => o.seq)).toEqual([500_000]);
    expect(timeline.latest({ kind: 'k4', subject: 'subject-499999' })?.seq).toBe(500_000);
    expect(timeline.query({ subject: 'subject-500000' })).toEqual([]);
  });

  it('records an observer input as append({ ...input, source, receivedAt }) would, seq first, the source and time its own', () => {
    const timeline = createTimeline();
    const plain = timeline.record({ kind: 'k', data: 1, ref }, 'api', 1);
    expect(Object.keys(plain)).toEqual(['seq', 'source', 'kind', 'receivedAt', 'data', 'ref']);
    expect(plain).toStrictEqual({ seq: 1, source: 'api', kind: 'k', receivedAt: 1, data: 1, ref });
    const full = timeline.record({ kind: 'k', subject: 's', sourceTime: 3, data: 1, ref }, 'api', 2);
    expect(full).toStrictEqual({ seq: 2, source: 'api', kind: 'k', subject: 's', receivedAt: 2, sourceTime: 3, data: 1, ref });
    // Fields the contract does not name are kept; an input cannot name its own source or time.
    const extra = timeline.record({ kind: 'k', data: 1, ref, note: 'x', source: 'spoof', receivedAt: -1 } as never, 'api', 4);
    expect(extra).toStrictEqual({ seq: 3, source: 'api', kind: 'k', receivedAt: 4, data: 1, ref, note: 'x' });
    const input = { kind: 'k', subject: undefined, data: 1, ref };
    expect(timeline.record(input, 'api', 5)).toStrictEqual({ seq: 4, ...input, source: 'api', receivedAt: 5 });
    expect(input).not.toHaveProperty('seq');
    expect(timeline.append({ ...input, source: 'kafka', receivedAt: 6 })).toStrictEqual({ seq: 5, ...input, source: 'kafka', receivedAt: 6 });
    expect(timeline.query({ kind: 'k', subject: 's' }).map((o) => o.seq)).toEqual([2]);
    expect(timeline.query({ source: 'kafka' }).map((o) => o.seq)).toEqual([5]);
  });
});

/** A codec that packs an observation as its JSON: what a packed observation reads back as is what it was recorded as. */
const jsonCodec: ObservationCodec<ObservationInput> = {
  size: (input) => Buffer.byteLength(JSON.stringify(input)),
  write: (input, target, at) => void target.write(JSON.stringify(input), at, 'utf8'),
  read: (bytes) => JSON.parse(bytes.toString('utf8')) as ObservationInput,
};
const packedInput = (input: ObservationInput): ObservationInput => ({ ...input, packed: { codec: jsonCodec as ObservationCodec, from: input } });

describe('packed observations', () => {
  it('are read back equal to what was recorded, through evictions, pins (past, present, future) and every query shape', () => {
    let state = 11;
    const rnd = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    const queries: ObservationQuery[] = [
      {}, { kind: 'event' }, { kind: 'event', subject: 'TICK' }, { subject: 'TOCK' }, { source: 'kafka' }, { kind: ['event', 'system.state'], subject: 'mysql' },
      { kind: 'event', since: 300, until: 1_500 },
    ];
    for (const cap of [1, 7, 300]) {
      const timeline = createTimeline({ cap });
      const model = modelTimeline(cap);
      const seen: Observation[] = [];
      timeline.subscribe((o) => seen.push(o));
      for (let i = 0; i < 2_000; i++) {
        const kind = rnd(4) === 0 ? 'system.state' : 'event';
        const subject = [undefined, 'TICK', 'TOCK', 'mysql'][rnd(4)];
        const input: ObservationInput = { kind, ...(subject === undefined ? {} : { subject }), ...(rnd(2) ? { sourceTime: 1_700_000_000_000 + i } : {}), data: { i, text: 'é'.repeat(rnd(5)) }, ref: { type: 'kafka', topic: 't', partition: rnd(3), offset: String(i) } };
        const o = timeline.record(rnd(5) === 0 ? input : packedInput(input), rnd(3) ? 'kafka' : 'api', i + 0.25);
        // Subscribers get the observation itself, never its packed form.
        expect(seen.at(-1)).toBe(o);
        expect(Object.keys(o)).not.toContain('packed');
        model.append(structuredClone(o));
        if (rnd(10) === 0) {
          const seq = Math.max(1, o.seq + rnd(20) - 12);
          timeline.pin(seq);
          model.pin(seq);
        }
        if (i % 97 === 0 || i > 1_980) {
          expect(timeline.query()).toStrictEqual(model.retained);
          for (const q of queries) {
            const expected = model.retained.filter((r) => matchesQuery(r, q));
            expect(timeline.query(q), `cap ${cap}, ${JSON.stringify(q)}`).toStrictEqual(expected);
            expect(timeline.latest(q)).toStrictEqual(expected.at(-1));
          }
          for (let seq = Math.max(1, o.seq - 2 * cap); seq <= o.seq + 1; seq++) expect(timeline.get(seq)).toStrictEqual(model.retained.find((r) => r.seq === seq));
        }
      }
    }
  });

  it('keep pinned evidence as one object, before and after it leaves the window', () => {
    const timeline = createTimeline({ cap: 10 });
    const input = (i: number) => packedInput({ kind: 'event', subject: 'TICK', data: { i }, ref });
    for (let i = 0; i < 5; i++) timeline.record(input(i), 'kafka', i);
    timeline.pin(3);
    const evidence = timeline.get(3)!;
    expect(evidence).toStrictEqual({ seq: 3, source: 'kafka', kind: 'event', subject: 'TICK', receivedAt: 2, data: { i: 2 }, ref });
    expect(timeline.get(3)).toBe(evidence);
    // A seq pinned before it is recorded (evidence named ahead) is never packed.
    timeline.pin(6);
    for (let i = 5; i < 7; i++) timeline.record(input(i), 'kafka', i);
    const named = timeline.get(6);
    expect(timeline.get(6)).toBe(named);
    for (let i = 7; i < 100; i++) timeline.record(input(i), 'kafka', i);
    expect(timeline.get(3)).toBe(evidence);
    expect(timeline.get(6)).toBe(named);
    expect(named?.data).toEqual({ i: 5 });
    expect(timeline.query({ kind: 'event', subject: 'TICK' }).slice(0, 2).map((o) => o.seq)).toEqual([3, 6]);
  });

  it('leave the heap: a retained packed observation costs its bytes, and evicted ones give their bytes back', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const timeline = createTimeline({ cap: 20_000 });
    const event = (i: number): ObservationInput => ({
      kind: 'event',
      subject: 'TICK',
      sourceTime: 1_700_000_000_000 + i,
      data: { id: `e-${i}`, type: 'TICK', system: 'mysql', timestamp: new Date(1_700_000_000_000 + i).toISOString(), payload: { n: i, note: `note ${i}` } },
      ref: { type: 'kafka', topic: 'events', partition: 0, offset: String(i), timestamp: 1_700_000_000_000 + i },
    });
    const fill = (from: number, to: number) => {
      for (let i = from; i < to; i++) timeline.record(packedInput(event(i)), 'kafka', i + 0.5);
    };
    gc();
    const heap = process.memoryUsage().heapUsed;
    const buffers = process.memoryUsage().arrayBuffers;
    fill(0, 300_000);
    gc();
    // The window, 20,000 observations: as objects they would take 10 MB and more of heap; as bytes they take about
    // 6 MB (the JSON of each) outside it, and the bytes of the 280,000 evicted ones (80 MB) are given back.
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(3 * 2 ** 20);
    const arena = process.memoryUsage().arrayBuffers - buffers;
    expect(arena).toBeGreaterThan(4 * 2 ** 20);
    expect(arena).toBeLessThan(10 * 2 ** 20);
    expect(timeline.query().length).toBe(20_000);
    expect(timeline.get(300_000)).toStrictEqual({ seq: 300_000, source: 'kafka', receivedAt: 299_999.5, ...event(299_999) });
  });

  it('use the blocks of evicted ones again: the arena does not grow while the window holds', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const timeline = createTimeline({ cap: 20_000 });
    const input = (i: number) => packedInput({ kind: 'event', subject: 'TICK', data: { i, text: 'x'.repeat(200) }, ref });
    for (let i = 0; i < 40_000; i++) timeline.record(input(i), 'kafka', i);
    gc();
    const before = process.memoryUsage().arrayBuffers;
    let most = before;
    // No collection in between: blocks let go and not used again would pile up until the next one.
    for (let i = 40_000; i < 400_000; i++) {
      timeline.record(input(i), 'kafka', i);
      if (i % 1_000 === 0) most = Math.max(most, process.memoryUsage().arrayBuffers);
    }
    expect(most - before).toBeLessThan(2 * 2 ** 20);
  });

  it('stay objects when their codec fails: nothing is lost, the timeline goes on', () => {
    const failing: ObservationCodec = { size: () => 10, write: () => { throw new Error('codec bug'); }, read: () => { throw new Error('never read'); } };
    const timeline = createTimeline({ cap: 5 });
    const o = timeline.record({ kind: 'event', subject: 'TICK', data: { i: 1 }, ref, packed: { codec: failing, from: null } }, 'kafka', 1);
    const next = timeline.record(packedInput({ kind: 'event', subject: 'TICK', data: { i: 2 }, ref }), 'kafka', 2);
    expect(timeline.query({ kind: 'event' })).toStrictEqual([o, next]);
    expect(timeline.get(1)).toBe(o);
  });
});
