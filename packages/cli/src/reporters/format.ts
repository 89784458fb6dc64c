import { formatRef as formatObservationRef, type Observation } from '@tester/core';
import type { ExpectationResult, ExpectationStatus, ScenarioResult } from '@tester/core/runner';
import type { ScenarioEntry } from './types';

/** One line per evidence observation: `#12 kafka event CONNECTION_LOST @1.52s control-plane.events[1]@40`. */
export function formatObservation(o: Observation, origin = 0): string {
  const at = `@${((o.receivedAt - origin) / 1000).toFixed(2)}s`;
  return `#${o.seq} ${o.source} ${o.kind}${o.subject ? ` ${o.subject}` : ''} ${at} ${formatRef(o)}`.trimEnd();
}

/** Where an observation came from, as core renders every reference (`cp_up{job="cp"} = 1`, `GET <url> -> 200`). */
export function formatRef(o: Observation): string {
  return formatObservationRef(o.ref);
}

/** The clock time the run started at, to show observation times relative to it. */
export function originOf(result: ScenarioResult): number {
  return result.phases[0]?.startedAt ?? result.timeline[0]?.receivedAt ?? 0;
}

/** Failure text for an expectation: its message, then its evidence. */
export function failureText(result: ScenarioResult, e: ExpectationResult): string {
  const origin = originOf(result);
  const evidence = e.evidence.length ? e.evidence.map((o) => `  evidence ${formatObservation(o, origin)}`).join('\n') : '  (no evidence observed)';
  return `${e.message}\n${evidence}`;
}

/** Expectation statuses in the order reporters list and count them. */
export const EXPECTATION_STATUSES: readonly ExpectationStatus[] = ['passed', 'failed', 'error', 'undecided'];

/** What `undecided` means, for legends and summaries (core's `ExpectationStatus`). */
export const UNDECIDED_MEANING =
  'the scenario timed out before the system settled: nothing contradicted the expectation (it is not blamed), but nothing confirmed it either';

/** A run's expectations counted by status, zero counts left out: `1 passed, 1 failed, 2 undecided`. */
export function expectationCounts(result: ScenarioResult): string {
  return EXPECTATION_STATUSES.map((s) => [s, result.expectations.filter((e) => e.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

/** The number of a run's expectations that are `undecided`. */
export function undecidedCount(result: ScenarioResult | undefined): number {
  return result?.expectations.filter((e) => e.status === 'undecided').length ?? 0;
}

/** `status: message`, the status said once (core's undecided messages already start with `undecided:`). */
export function statusMessage(e: Pick<ExpectationResult, 'status' | 'message'>): string {
  return e.message.startsWith(`${e.status}:`) ? e.message : `${e.status}: ${e.message}`;
}

/**
 * The system's last relevant changes before the timeout (`window.lastChanges`), one line each, for an undecided
 * expectation: they say why the system never settled. A change the timeline cap dropped is shown by its seq only.
 */
export function lastChangesLines(result: ScenarioResult): string[] {
  const seqs = result.window.lastChanges ?? [];
  if (seqs.length === 0) return [];
  const origin = originOf(result);
  const bySeq = new Map(result.timeline.map((o) => [o.seq, o]));
  return seqs.map((seq) => {
    const o = bySeq.get(seq);
    return o ? formatObservation(o, origin) : `#${seq} (dropped by the timeline cap)`;
  });
}

/** Expectations that did not pass, and scenario-level reasons (precondition, actions, rollbacks). */
export function problemsOf(result: ScenarioResult): string[] {
  const out: string[] = [];
  if (result.reason) out.push(result.reason);
  for (const p of result.preconditions) if (p.status !== 'passed') out.push(`precondition ${p.expression}: ${p.message}`);
  for (const a of result.actions) if (a.error) out.push(`action ${a.id} (${a.type}): ${a.error.message}`);
  for (const r of result.rollbacks) if (r.status !== 'ok') out.push(`rollback ${r.description}: ${r.status}${r.error ? ` (${r.error.message})` : ''}`);
  for (const e of result.errors ?? []) out.push(`${e.plugin ? `${e.plugin} ` : ''}${e.hook ? `${e.hook} ` : ''}${e.code}: ${e.message}`);
  return out;
}

export function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The run to show for a scenario: the last one that did not pass (so a flaky scenario shows its failure), else the last. */
export function decisiveAttempt(entry: ScenarioEntry): ScenarioResult | undefined {
  return entry.attempts.filter((a) => a.status !== 'passed').at(-1) ?? entry.attempts.at(-1);
}
