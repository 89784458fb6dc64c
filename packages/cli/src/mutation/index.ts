/**
 * Mutation testing of a scenario's verdicts: {@link mutants} makes, from a scenario, the mutants a healthy system
 * must contradict (one expectation key changed each); {@link retarget} aims a scenario (or a mutant) at another
 * system so that many run at once. They will back a `tester mutate` command.
 */
export { INSTANT, invertComparator, mutants, OPERATORS, STATES, type Mutant } from './operators';
export { retarget, retargetExpression, type RetargetOptions } from './retarget';
