/**
 * Per-partition positions: where the observer starts, what it has already recorded, and whether it has
 * consumed up to a set of high watermarks. This is what makes the timeline free of loss and duplicates
 * across reconnects: after any rejoin the consumer is sought back to `next`, and any record below `next`
 * (re-delivered after a restart, or older than the scenario) is dropped.
 *
 * Offsets are int64, so they are kept as bigint and exchanged as strings.
 */
export type PartitionKey = `${string}#${number}`;

/** `topic#partition`: partition numbers cannot contain `#`, so the last one splits it back unambiguously. */
export const partitionKey = (topic: string, partition: number): PartitionKey => `${topic}#${partition}`;

/** High watermarks (the offset of the next record to be written) per partition. */
export type Watermarks = Map<PartitionKey, string>;

export class PartitionPositions {
  /** The offset of the next record to record, per partition. */
  private readonly nextOffset = new Map<PartitionKey, bigint>();
  private readonly listeners = new Set<() => void>();

  /** Sets where a partition starts, unless it is already known (a rejoin keeps what was recorded). */
  start(topic: string, partition: number, offset: string): void {
    const key = partitionKey(topic, partition);
    if (!this.nextOffset.has(key)) this.nextOffset.set(key, BigInt(offset));
  }

  /** Partitions known so far. */
  keys(): PartitionKey[] {
    return [...this.nextOffset.keys()];
  }

  has(topic: string, partition: number): boolean {
    return this.nextOffset.has(partitionKey(topic, partition));
  }

  /**
   * Where to (re)position the consumer on this partition. A partition seen for the first time after the
   * start (the topic grew) starts at 0: all of it was written after the scenario started.
   */
  next(topic: string, partition: number): string {
    const key = partitionKey(topic, partition);
    const known = this.nextOffset.get(key);
    if (known !== undefined) return known.toString();
    this.nextOffset.set(key, 0n);
    return '0';
  }

  /**
   * Claims a record for the timeline. `true` exactly once per offset at or after the start; `false` for a
   * record already recorded or older than the start (drop it).
   */
  accept(topic: string, partition: number, offset: string): boolean {
    const key = partitionKey(topic, partition);
    const value = BigInt(offset);
    const next = this.nextOffset.get(key) ?? 0n;
    if (value < next) return false;
    this.nextOffset.set(key, value + 1n);
    this.notify();
    return true;
  }

  /**
   * The index of the first of `offsets` (one partition's records, in offset order, as a fetch returns them) that is
   * at or after where the partition is: every record from there on is new. `offsets.length` when none is. Only the
   * records before it are compared, so a batch costs one comparison, not one per record.
   */
  firstNew(topic: string, partition: number, offsets: readonly { offset: string }[]): number {
    const next = this.nextOffset.get(partitionKey(topic, partition)) ?? 0n;
    let i = 0;
    while (i < offsets.length && BigInt(offsets[i]!.offset) < next) i++;
    return i;
  }

  /**
   * Claims every offset up to `last`, the last record of a run that was recorded in the same synchronous step as
   * this call (so a barrier released by it finds them all in the timeline). Never moves backwards.
   */
  claimThrough(topic: string, partition: number, last: string): void {
    this.skipTo(topic, partition, (BigInt(last) + 1n).toString());
  }

  /**
   * Moves past offsets that hold nothing to record (control records, aborted transactions) so a barrier
   * does not wait for them. Never moves backwards.
   */
  skipTo(topic: string, partition: number, offset: string): void {
    const key = partitionKey(topic, partition);
    const value = BigInt(offset);
    if (value > (this.nextOffset.get(key) ?? 0n)) {
      this.nextOffset.set(key, value);
      this.notify();
    }
  }

  /** The partitions still short of `watermarks`, as `topic#partition: next/high`. Empty when all are reached. */
  behind(watermarks: Watermarks): string[] {
    const out: string[] = [];
    for (const [key, high] of watermarks) {
      const next = this.nextOffset.get(key) ?? 0n;
      if (next < BigInt(high)) out.push(`${key}: at ${next}, high watermark ${high}`);
    }
    return out;
  }

  /** Resolves once every partition has reached `watermarks`; rejects with the signal's reason. */
  waitFor(watermarks: Watermarks, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const check = () => {
        if (this.behind(watermarks).length === 0) {
          done();
          resolve();
        }
      };
      const onAbort = () => {
        done();
        reject(signal.reason);
      };
      const done = () => {
        this.listeners.delete(check);
        signal.removeEventListener('abort', onAbort);
      };
      this.listeners.add(check);
      signal.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
