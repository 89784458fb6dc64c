/**
 * The scenario's verdict from its parts, in one place for a live run and a replay (DESIGN.md "Verdicts"): a
 * fatal error, then a fault without effect, then contradicted expectations, then errors, then a timeout with
 * only undecided expectations ("never settled"); a failed rollback spoils a pass.
 */
import { formatMs } from '../duration';
import type { Observation } from '../observation';
import type { ExpectationResult, RollbackResult, ScenarioStatus } from '../result-types';
import type { TimelineView } from '../timeline-types';

/** What decides a scenario's status and reason. */
export interface ScenarioVerdictInput {
  fatal?: { code: string; message: string };
  /** Faults that had no observable effect (`fault c1 (CONNECTION_LOSS on mysql, action cut)`). */
  noEffect: readonly string[];
  expectations: readonly ExpectationResult[];
  timedOut: boolean;
  timeoutMs: number;
  /** Why the run could not wait any longer, at the timeout. */
  timeoutWhy?: string;
  /** What the run was still waiting for at the timeout (`before the systems settled`), for a failure's reason. */
  timeoutStage?: string;
  /** The last relevant changes, described, for "never settled". */
  lastChanges: string;
  rollbacks: readonly RollbackResult[];
  /**
   * The blindness behind the expectations that could not be judged (`ids`), in one line (`summary`: `observer kafka
   * blind since +2.1s (broker 127.0.0.1:9092 unreachable: ECONNREFUSED)`). The reason of an `error` then starts with
   * it (the first such expectation's message already does), and that of a `failed` ends with it.
   */
  blind?: { summary: string; ids: readonly string[] };
}

export function scenarioVerdict(input: ScenarioVerdictInput): { status: ScenarioStatus; reason?: string } {
  const failed = input.expectations.filter((e) => e.status === 'failed');
  const errored = input.expectations.filter((e) => e.status === 'error');
  const list = (xs: readonly ExpectationResult[]) => xs.map((e) => `${e.id}: ${e.message}`).join('; ');
  let status: ScenarioStatus;
  let reason: string | undefined;
  if (input.fatal) {
    status = 'error';
    reason = input.fatal.message;
  } else if (input.noEffect.length) {
    // Whatever the expectations say, a fault that changed nothing proves nothing about recovering from it.
    status = 'error';
    reason =
      `${input.noEffect.join(', ')} had no observable effect on its system (nothing but the fault's own bookkeeping was observed): ` +
      `the scenario proves nothing. Check that the fault reaches the system, or declare it expected with harmless: true on the action`;
  } else if (failed.length) {
    status = 'failed';
    reason = `${input.timedOut ? `timed out after ${formatMs(input.timeoutMs)} ${input.timeoutStage ?? 'before the systems settled'}; ` : ''}${list(failed)}`;
  } else if (errored.length) {
    status = 'error';
    reason = list(errored);
  } else if (input.timedOut) {
    status = 'error';
    reason = `${input.timeoutWhy ?? `the systems never settled within the ${formatMs(input.timeoutMs)} timeout`}; last changes: ${input.lastChanges}`;
  } else {
    status = 'passed';
  }
  if (input.blind && !input.fatal && reason !== undefined) {
    const first = status === 'error' && !input.noEffect.length ? errored[0] : undefined;
    if (status === 'error' && !(first && input.blind.ids.includes(first.id))) reason = `${input.blind.summary}; ${reason}`;
    else if (status === 'failed') reason = `${reason}; ${input.blind.summary}`;
  }
  const failedRollbacks = input.rollbacks.filter((r) => r.status === 'failed');
  if (failedRollbacks.length && status === 'passed') {
    status = 'error';
    reason = `rollback failed: ${failedRollbacks.map((r) => `${r.description}: ${r.error?.message ?? ''}`).join('; ')}`;
  }
  return reason === undefined ? { status } : { status, reason };
}

/** `+12.3s kafka event STATE_CHANGED mysql` for each of the last relevant observations (by `seq`). */
export function describeChanges(timeline: TimelineView, opensAt: number | undefined, seqs: readonly number[]): string {
  const base = opensAt ?? 0;
  const lines = seqs
    .map((seq) => timeline.get(seq))
    .filter((o): o is Observation => o !== undefined)
    .map((o) => {
      const d = o.data as { type?: unknown; state?: unknown; status?: unknown; system?: unknown } | undefined;
      const what = [d?.type, d?.state, d?.status].find((x) => typeof x === 'string');
      return `+${formatMs(o.receivedAt - base)} ${o.source} ${o.kind}${o.subject ? ` ${o.subject}` : ''}${what && what !== o.subject ? ` ${String(what)}` : ''}`;
    });
  return lines.length ? lines.join(', ') : 'none';
}
