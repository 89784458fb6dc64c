/**
 * Replay: re-judges a recorded run. The timeline, faults, window and blind spans of a {@link ScenarioResult} are
 * fed again, on a clock that shows each recorded moment, to the same evaluators under the same core rules, and
 * the expectations are asked exactly when the live run asked them ({@link ReplayRecord.evaluations}). So the
 * recorded scenario gets back the verdicts and messages of the live run, and an edited scenario (same actions,
 * systems and window; other expectations) gets what its expectations would have said about that very run.
 * Possible because where a window ends depends only on what the system did, never on the expectations.
 */
import { randomUUID } from 'node:crypto';
import type { TesterPlugin } from '../contract';
import type { Clock } from '../clock';
import { ErrorCodes, TesterError } from '../errors';
import { createMemoryLedger } from '../ledger';
import { silentLogger } from '../logger';
import { ObservationKinds, type FaultData, type Observation } from '../observation';
import { Redactor } from '../redact';
import { createRegistry } from '../registry';
import type { ExpectationResult, ReplayRecord, ScenarioResult } from '../result-types';
import type { Scenario } from '../scenario-types';
import { createTimeline } from '../timeline';
import { Evaluation } from './evaluation';
import { RunState } from './run-state';
import { Settling, faultsWithoutEffect } from './settling';
import { describeChanges, scenarioVerdict } from './verdict';

/** Options of {@link replayScenario}. */
export interface ReplayOptions {
  /** The plugins whose sections the scenario's expectations use (the same as for a live run). */
  plugins: readonly TesterPlugin[];
}

/** A clock that shows whatever moment the replay is at. Nothing waits on it. */
class ReplayClock implements Clock {
  constructor(
    public current: number,
    private readonly wallOffset: number,
  ) {}
  now(): number {
    return this.current;
  }
  wallNow(): number {
    return this.current + this.wallOffset;
  }
  until(): Promise<void> {
    return Promise.resolve();
  }
  every(): () => void {
    return () => {};
  }
}

/** Why `scenario` cannot re-judge `recorded`, naming the part that differs; `undefined` when it can. */
export function replayMismatch(scenario: Scenario, record: ReplayRecord): string | undefined {
  const json = (v: unknown) => JSON.stringify(v);
  const mine = {
    systems: [...scenario.systems],
    timeoutMs: scenario.timeoutMs,
    afterMs: scenario.window.afterMs,
    preconditions: scenario.preconditions.map((p) => p.expression),
    actions: scenario.actions.map((a) => ({ id: a.id, type: a.type, params: a.params, ...(a.harmless ? { harmless: true } : {}) })),
  };
  if (json(mine.actions) !== json(record.scenario.actions))
    return `its actions differ from the recorded run's (${record.scenario.actions.map((a) => `${a.id} ${a.type}`).join(', ') || 'none'}): a replay can only change expectations; run it live`;
  if (json(mine.systems) !== json(record.scenario.systems)) return `its systems (${mine.systems.join(', ')}) differ from the recorded run's (${record.scenario.systems.join(', ')}): run it live`;
  if (scenario.window.settleMs !== undefined && scenario.window.settleMs !== record.scenario.settleMs)
    return `its window.settle (${scenario.window.settleMs} ms) differs from the recorded run's (${record.scenario.settleMs} ms): the window would close elsewhere; run it live`;
  if (mine.afterMs !== record.scenario.afterMs) return `its window.after (${mine.afterMs} ms) differs from the recorded run's (${record.scenario.afterMs} ms): run it live`;
  if (mine.timeoutMs !== record.scenario.timeoutMs) return `its timeout (${mine.timeoutMs} ms) differs from the recorded run's (${record.scenario.timeoutMs} ms): run it live`;
  if (json(mine.preconditions) !== json(record.scenario.preconditions)) return 'its preconditions differ from the recorded run\'s: run it live';
  return undefined;
}

/**
 * Re-judges `recorded` with `scenario`'s expectations. Throws a {@link TesterError} (`REPLAY_UNSUPPORTED`) when
 * the recording cannot be replayed (no replay record, observations dropped by the timeline cap) or when the
 * scenario changes what placed the window (actions, systems, window, timeout, preconditions).
 */
export function replayScenario(scenario: Scenario, recorded: ScenarioResult, options: ReplayOptions): ScenarioResult {
  const record = recorded.replay;
  if (!record) throw new TesterError(ErrorCodes.REPLAY_UNSUPPORTED, `the recorded run of ${recorded.scenario.name} has no replay record: it stopped before its observers were ready, or the report predates replay`);
  if (recorded.timelineDropped > 0)
    throw new TesterError(ErrorCodes.REPLAY_UNSUPPORTED, `the recorded run of ${recorded.scenario.name} dropped ${recorded.timelineDropped} observations (timeline cap): it cannot be replayed exactly; raise the cap and run it live`);
  const mismatch = replayMismatch(scenario, record);
  if (mismatch) throw new TesterError(ErrorCodes.REPLAY_UNSUPPORTED, `${scenario.file ?? scenario.name}: ${mismatch}`);

  const registry = createRegistry(options.plugins);
  const observations = [...recorded.timeline].sort((a, b) => a.seq - b.seq);
  const first = recorded.phases[0]?.startedAt ?? 0;
  const clock = new ReplayClock(first, Date.parse(recorded.startedAt) - first);
  const run = new RunState({
    runId: recorded.runId,
    clock,
    timeline: createTimeline({ cap: Number.MAX_SAFE_INTEGER }),
    redactor: new Redactor(),
    logger: silentLogger(),
    ledger: createMemoryLedger({ runId: randomUUID() }),
    controller: new AbortController(),
    deadline: first + record.scenario.timeoutMs,
  });
  const recordedFaults = new Map(recorded.faults.map((f) => [f.id, f]));
  const recordedSpans = recorded.observers.flatMap((o) => o.blindSpans);
  const settling = new Settling(record.scenario.systems);

  const evaluation = new Evaluation(run, scenario.expectations, registry);
  evaluation.attach((o) => settling.observe(o));
  let fed = 0;
  /** Appends the recorded observations up to timeline size `size`, as the live run had them then. */
  const feedTo = (size: number) => {
    while (fed < observations.length && observations[fed]!.seq <= size) {
      const { seq, ...input } = revive(observations[fed++] as Observation);
      const stored = run.timeline.append(input);
      if (stored.seq !== seq) throw new TesterError(ErrorCodes.REPLAY_UNSUPPORTED, `the recorded timeline of ${recorded.scenario.name} has a gap before #${seq}: it cannot be replayed exactly`);
      trackFault(stored);
    }
  };
  const trackFault = (o: Observation) => {
    if (o.kind !== ObservationKinds.faultStarted && o.kind !== ObservationKinds.faultEnded) return;
    const data = o.data as FaultData;
    const known = recordedFaults.get(data.id);
    if (o.kind === ObservationKinds.faultStarted && known) {
      run.restoreFault({ ...known, ...(scenario.actions.find((a) => a.id === known.actionId)?.harmless ? { harmless: true } : {}) });
    }
    if (o.kind === ObservationKinds.faultEnded && known) run.restoreFaultEnd(data.id, known.endedAt);
  };
  /** The blind spans as the live run knew them at `at`. */
  const spansAt = (at: number) =>
    run.restoreBlindSpans(recordedSpans.filter((s) => s.from <= at).map((s) => ({ ...s, to: s.to !== undefined && s.to <= at ? s.to : undefined })));
  let opened = false;
  const windowAt = (flags: number) => {
    if (flags & 1 && !opened) {
      opened = true;
      settling.open(recorded.window.opensAt ?? clock.current, record.opensAtSize);
    }
    const closed = (flags & 2) !== 0;
    run.restoreWindow({
      opensAt: flags & 1 ? recorded.window.opensAt : undefined,
      closed,
      closesAt: closed ? recorded.window.closesAt : undefined,
      settledAt: closed ? recorded.window.settledAt : undefined,
    });
  };

  for (const [size, at, flags] of record.evaluations) {
    feedTo(size);
    clock.current = at;
    windowAt(flags);
    spansAt(at);
    evaluation.evaluate();
  }
  feedTo(Number.POSITIVE_INFINITY);
  const end = record.end;
  const lastAt = record.evaluations.at(-1)?.[1] ?? first;
  clock.current = end.kind === 'timeout' ? Math.max(lastAt, run.deadline) : lastAt;
  // As the live run knew them when it gave up: a span still open then was closed only when its observer stopped.
  spansAt(clock.current);
  if (end.kind === 'timeout') evaluation.timeout(end.why);
  else if (end.kind === 'stopped') evaluation.settlePending('error', end.message);
  else evaluation.settlePending('error', 'undecided when the recorded run ended: an edited expectation that needs more of the run than was recorded; run it live');
  evaluation.detach();
  // The final blind spans and window, as the live run closed them.
  run.restoreBlindSpans(recordedSpans.map((s) => ({ ...s })));
  run.restoreWindow({ opensAt: recorded.window.opensAt, closed: recorded.window.closed, closesAt: recorded.window.closesAt, settledAt: recorded.window.settledAt });

  const expectations: ExpectationResult[] = evaluation.results();
  const blind = evaluation.blindSummary(clock.current);
  const fatal = record.fatal;
  const noEffect = !fatal && recorded.window.opensAt !== undefined ? faultsWithoutEffect(run.faults.length ? run.faults : recorded.faults, settling, recorded.window.closesAt ?? clock.current) : [];
  const lastChanges = describeChanges(run.timeline, recorded.window.opensAt, recorded.window.lastChanges ?? []);
  const { status, reason } = scenarioVerdict({
    ...(fatal ? { fatal } : {}),
    noEffect,
    expectations,
    timedOut: end.kind === 'timeout',
    timeoutMs: record.scenario.timeoutMs,
    ...(end.kind === 'timeout' ? { timeoutWhy: end.why, timeoutStage: end.stage } : {}),
    lastChanges,
    rollbacks: recorded.rollbacks,
    ...(blind === undefined ? {} : { blind }),
  });
  const { reason: _recordedReason, ...rest } = recorded;
  return {
    ...rest,
    scenario: { ...recorded.scenario, ...(scenario.file === undefined ? {} : { file: scenario.file }), name: scenario.name },
    status,
    ...(reason === undefined ? {} : { reason }),
    expectations,
  };
}

/**
 * A report is JSON, which has no NaN or Infinity: a sample's NaN (a quantile over no data) arrives as `null`. Give
 * it back its number, so the evaluators judge (and word) it as the live run did.
 */
export function revive(o: Observation): Observation {
  if (o.kind !== ObservationKinds.metricSample) return o;
  const data = o.data as { value?: unknown } | undefined;
  if (data?.value !== null) return o;
  const ref = o.ref as { value?: unknown };
  return { ...o, data: { ...data, value: Number.NaN }, ref: ref.value === null ? ({ ...o.ref, value: Number.NaN } as Observation['ref']) : o.ref };
}

