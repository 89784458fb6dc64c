/**
 * What the system under test has, as an observer lists it (`catalog` observations: its systems, its policies).
 * An expectation that names something not listed is `error` as soon as the list is known, before any fault is
 * injected: it says nothing about the system, and "never happened" about a misspelt name would be a false pass.
 */
import { type CatalogData, didYouMean, type Observation, ObservationKinds } from '@tester/core';
import { errored, type Check, type CheckOutcome } from './outcome';

/** The references of one item: `{ systems: ['mysql'], policies: ['auto-recover'] }`. */
export type References = Partial<Record<'systems' | 'policies', readonly (string | undefined)[]>>;

const SINGULAR: Record<string, string> = { systems: 'system', policies: 'policy' };

/** Tracks the latest catalogs and checks an item's references against them. */
export class Catalog {
  private readonly lists = new Map<string, { ids: string[]; seq: number; source: string }>();

  constructor(private readonly refs: References) {}

  observe(o: Observation): void {
    if (o.kind !== ObservationKinds.catalog) return;
    const d = o.data as Partial<CatalogData> | undefined;
    if (typeof d?.of !== 'string' || !Array.isArray(d.ids)) return;
    this.lists.set(d.of, { ids: d.ids.map(String), seq: o.seq, source: o.source });
  }

  /** `error` naming every unknown reference, with what exists and "did you mean"; `undefined` when all are known (or not listed). */
  unknown(): CheckOutcome | undefined {
    const problems: string[] = [];
    const evidence: number[] = [];
    for (const [of, wanted] of Object.entries(this.refs) as [string, readonly (string | undefined)[]][]) {
      const list = this.lists.get(of);
      if (!list) continue;
      for (const id of wanted) {
        if (id === undefined || list.ids.includes(id)) continue;
        const guess = didYouMean(id, list.ids);
        problems.push(
          `unknown ${SINGULAR[of] ?? of} "${id}": ${list.source} lists ${list.ids.length ? list.ids.join(', ') : `no ${of}`}${guess ? `; did you mean "${guess}"?` : ''}`,
        );
        evidence.push(list.seq);
      }
    }
    return problems.length ? errored(problems.join('; '), evidence) : undefined;
  }

  /** Wraps a check so that an unknown reference answers first. */
  guard(check: Check): Check {
    return (ctx) => this.unknown() ?? check(ctx);
  }
}
