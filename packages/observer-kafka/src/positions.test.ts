import { describe, expect, it } from 'vitest';
import { PartitionPositions, partitionKey, type Watermarks } from './positions';

describe('PartitionPositions', () => {
  it('accepts each offset at or after the start exactly once and drops replays and older records', () => {
    const p = new PartitionPositions();
    p.start('t', 0, '10');
    expect(p.accept('t', 0, '9')).toBe(false); // before the scenario
    expect(p.accept('t', 0, '10')).toBe(true);
    expect(p.accept('t', 0, '11')).toBe(true);
    // A reconnect re-delivers from an older position: all of it is dropped.
    expect(p.accept('t', 0, '10')).toBe(false);
    expect(p.accept('t', 0, '11')).toBe(false);
    expect(p.accept('t', 0, '12')).toBe(true);
    expect(p.next('t', 0)).toBe('13');
  });

  it('finds the first new record of a batch with one comparison per old record, and claims a batch at once', () => {
    const p = new PartitionPositions();
    p.start('t', 0, '10');
    const batch = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ offset: String(from + i) }));
    expect(p.firstNew('t', 0, batch(10, 14))).toBe(0);
    // A re-delivery that overlaps what was recorded: only the part at or after the position is new.
    expect(p.firstNew('t', 0, batch(7, 12))).toBe(3);
    expect(p.firstNew('t', 0, batch(3, 9))).toBe(7);
    p.claimThrough('t', 0, '14');
    expect(p.next('t', 0)).toBe('15');
    expect(p.firstNew('t', 0, batch(12, 16))).toBe(3);
    // Never backwards.
    p.claimThrough('t', 0, '11');
    expect(p.next('t', 0)).toBe('15');
    // Offsets are int64: past 2^53 they still compare exactly.
    p.start('big', 0, '9007199254740993');
    expect(p.firstNew('big', 0, [{ offset: '9007199254740992' }, { offset: '9007199254740993' }])).toBe(1);
  });

  it('keeps partitions apart', () => {
    const p = new PartitionPositions();
    p.start('t', 0, '5');
    p.start('t', 1, '0');
    expect(p.accept('t', 1, '0')).toBe(true);
    expect(p.accept('t', 0, '0')).toBe(false);
    expect(p.next('t', 0)).toBe('5');
    expect(p.next('t', 1)).toBe('1');
  });

  it('does not reset a known partition when start is called again (a rejoin)', () => {
    const p = new PartitionPositions();
    p.start('t', 0, '3');
    p.accept('t', 0, '3');
    p.start('t', 0, '0');
    expect(p.next('t', 0)).toBe('4');
  });

  it('starts a partition that appeared after the start at offset 0', () => {
    const p = new PartitionPositions();
    expect(p.has('t', 7)).toBe(false);
    expect(p.next('t', 7)).toBe('0');
    expect(p.has('t', 7)).toBe(true);
  });

  it('handles int64 offsets beyond Number.MAX_SAFE_INTEGER exactly', () => {
    const p = new PartitionPositions();
    p.start('t', 0, '9007199254740993');
    expect(p.accept('t', 0, '9007199254740992')).toBe(false);
    expect(p.accept('t', 0, '9007199254740993')).toBe(true);
    expect(p.next('t', 0)).toBe('9007199254740994');
  });

  it('skipTo moves forward only', () => {
    const p = new PartitionPositions();
    p.start('t', 0, '5');
    p.skipTo('t', 0, '3');
    expect(p.next('t', 0)).toBe('5');
    p.skipTo('t', 0, '8');
    expect(p.next('t', 0)).toBe('8');
  });

  it('waitFor resolves once every partition reaches its high watermark, and says who is behind', async () => {
    const p = new PartitionPositions();
    p.start('t', 0, '0');
    p.start('t', 1, '0');
    const hw: Watermarks = new Map([
      [partitionKey('t', 0), '2'],
      [partitionKey('t', 1), '1'],
    ]);
    let done = false;
    const waiting = p.waitFor(hw, new AbortController().signal).then(() => (done = true));
    p.accept('t', 0, '0');
    p.accept('t', 1, '0');
    await Promise.resolve();
    expect(done).toBe(false);
    expect(p.behind(hw)).toEqual(['t#0: at 1, high watermark 2']);
    p.accept('t', 0, '1');
    await waiting;
    expect(done).toBe(true);
    expect(p.behind(hw)).toEqual([]);
  });

  it('waitFor resolves at once for watermarks already reached and rejects on abort', async () => {
    const p = new PartitionPositions();
    p.start('t', 0, '4');
    await p.waitFor(new Map([[partitionKey('t', 0), '4']]), new AbortController().signal);
    const controller = new AbortController();
    const waiting = p.waitFor(new Map([[partitionKey('t', 0), '5']]), controller.signal);
    controller.abort(new Error('scenario over'));
    await expect(waiting).rejects.toThrow('scenario over');
  });
});
