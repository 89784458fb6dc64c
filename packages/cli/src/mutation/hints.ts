/**
 * What a surviving mutant says about the expectation it came from, by operator: the likely reason an expectation
 * cannot fail, and what to look at.
 */
const HINTS: [RegExp, string][] = [
  [/^final_state->/, 'the final state also passes as a state the system only passes through: the window may close before the system settles; see window.settle'],
  [/^sequence-/, 'the sequence also passes in another order: a sequence check that is not strict matches a subsequence; consider strict: true'],
  [/^illegal_states\+/, 'a state the system visits passes as illegal: the states are not observed where the item looks (sources, system)'],
  [/max_duration|within|->1ms|\.max->/, 'a bound far tighter than the system can meet passes: the measured span may be empty (the anchor fault, the system or the state may not be what the item names)'],
  [/^count|^min_count|^absent|^exists|^order|^no_duplicates/, 'the events check passes whatever the count or order: the filter (type, system, where) may match nothing, or the window may close before the events arrive; see window.settle'],
  [/^should_fire|^times|^outcome|^max_attempts|^after\./, 'the policy check passes either way: the policy id or system may match no execution the observers see'],
  [/^value-inverted/, 'the metric passes with its comparison inverted: the labels may match no series that moves, or the value may sit exactly on the bound'],
  [/^value-tightened/, 'the bound is at least 1000 times looser than what the system does: it would not catch a system that gets worse; tighten it'],
];

/** The hint for a surviving mutant of `operator`. */
export function hintFor(operator: string): string {
  return HINTS.find(([re]) => re.test(operator))?.[1] ?? 'this expectation did not fail when changed: check that it reads what the system does';
}
