/**
 * Which sources an item reads. The families read core's observation kinds from *any* source: an observer of a
 * third party that records `system.state` feeds `states` and `timing` as the built-in ones do. `sources:` in an
 * item narrows it to the sources named; without it, every source that records the kinds counts.
 *
 * The list is also what core's blindness rule looks at (`Evaluator.sources`), so it must name the sources actually
 * read: the named ones; else the sources seen recording the kinds; else, while none has, every observer source
 * seen at all (including one that went blind before recording anything), so that not having seen is never
 * mistaken for evidence.
 */
import { type BlindnessData, type Observation, ObservationKinds, z } from '@tester/core';

/** The `sources:` key of an item: the observation sources to read, at least one; `description` says what is read. */
export function sourcesSchema(description: string) {
  return z
    .array(z.string({ error: 'expected a source name such as "api"' }).min(1, 'expected a source name such as "api"'))
    .min(1)
    .optional()
    .describe(description);
}

/** The source of the tester's own bookkeeping (faults, blind spans): never an observer the item reads. */
const RUNTIME = 'runtime';

export class ReadSources {
  private readonly recording = new Set<string>();
  /** Every source seen recording the kinds, named or not (for messages). */
  private readonly anyRecording = new Set<string>();
  private readonly seen = new Set<string>();

  /**
   * @param named the item's `sources:`, or `undefined` for every source
   * @param kinds the observation kinds the item reads
   */
  constructor(
    readonly named: readonly string[] | undefined,
    private readonly kinds: ReadonlySet<string>,
  ) {}

  /** Whether the item reads observations of `source`. */
  reads(source: string): boolean {
    return this.named === undefined || this.named.includes(source);
  }

  /** Feeds every observation, in timeline order. */
  observe(o: Observation): void {
    if (o.source !== RUNTIME) this.seen.add(o.source);
    if (o.kind === ObservationKinds.observerBlind) {
      const blind = (o.data as Partial<BlindnessData> | undefined)?.source;
      if (typeof blind === 'string') this.seen.add(blind);
    }
    if (!this.kinds.has(o.kind)) return;
    this.anyRecording.add(o.source);
    if (this.reads(o.source)) this.recording.add(o.source);
  }

  /** The sources read (see the module's comment), in the order they were named or first seen. */
  list(): string[] {
    if (this.named) return [...this.named];
    return [...(this.recording.size ? this.recording : this.seen)];
  }

  /** Every source seen recording the kinds, whether the item reads it or not (for messages). */
  recorded(): string[] {
    return [...this.anyRecording];
  }
}
