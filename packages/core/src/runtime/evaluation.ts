/**
 * Continuous evaluation: one evaluator per expectation item, fed every observation in timeline order through
 * `observe`, and asked for a `verdict` whenever something changed. Every call goes through the dispatcher, so a
 * throwing evaluator makes its own expectation `error` and nothing else.
 */
import type { BlindSpan, EvaluationContext, Evaluator, Interest, TesterPlugin, Verdict, VerdictStatus } from '../contract';
import type { Observation } from '../observation';
import type { PluginRegistry } from '../registry';
import type { ExpectationResult } from '../result-types';
import type { ScenarioExpectation } from '../scenario-types';
import { type RunState, pluginContext, toResultError } from './run-state';

/**
 * What the expectations ask observers to watch ({@link AssertionDefinition.interests}), deduplicated. A throwing
 * `interests` is a run error attributed to its plugin; the expectation itself then fails when it is evaluated.
 */
export function collectInterests(run: RunState, expectations: readonly ScenarioExpectation[], registry: PluginRegistry): Interest[] {
  const seen = new Map<string, Interest>();
  for (const expectation of expectations) {
    const provided = registry.assertions.get(expectation.section);
    const interests = provided?.definition.interests;
    if (!provided || !interests) continue;
    try {
      const declared = run.dispatcher.sync(provided.plugin.name, `assertions.${expectation.section}.interests`, () => interests(expectation.item));
      for (const interest of declared ?? []) seen.set(`${interest.source}\u0000${interest.kind}\u0000${interest.value}`, { ...interest });
    } catch (error) {
      run.errors.push(toResultError(run, error));
    }
  }
  return [...seen.values()];
}

/** One expectation being evaluated. */
interface Tracked {
  expectation: ScenarioExpectation;
  plugin: TesterPlugin;
  evaluator: Evaluator | undefined;
  description: string;
  /** The latest verdict. */
  verdict: Verdict;
  /** Decided for good: no more `observe`/`verdict` calls. */
  final: boolean;
  decidedAt: number | undefined;
  /** Since when it has been (provisionally) passing without interruption. */
  passingSince: number | undefined;
  /** When the evaluator asked to be asked again even if nothing changes. */
  recheckAt?: number | undefined;
}

const decided = (status: VerdictStatus, message: string, evidence: number[] = []): Verdict => ({ status, message, evidence });

/** The evaluators of a run. */
export class Evaluation {
  private readonly tracked: Tracked[];
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly run: RunState,
    expectations: readonly ScenarioExpectation[],
    registry: PluginRegistry,
  ) {
    this.tracked = expectations.map((expectation) => this.create(expectation, registry));
  }

  private create(expectation: ScenarioExpectation, registry: PluginRegistry): Tracked {
    const provided = registry.assertions.get(expectation.section);
    const base = { expectation, final: false, decidedAt: undefined, passingSince: undefined } as const;
    if (!provided) {
      return { ...base, plugin: { name: expectation.plugin, apiVersion: 0 }, evaluator: undefined, description: expectation.id, final: true,
        verdict: decided('error', `no plugin provides the expectation section "${expectation.section}"`) };
    }
    const { plugin, definition } = provided;
    try {
      const evaluator = this.run.dispatcher.sync(plugin.name, `assertions.${expectation.section}.create`, () =>
        definition.create(expectation.item, {
          ...pluginContext(this.run, plugin, `assertions.${expectation.section}`),
          section: expectation.section,
          index: Number(/\[(\d+)\]$/.exec(expectation.id)?.[1] ?? 0),
        }),
      );
      return { ...base, plugin, evaluator, description: String(evaluator.description ?? expectation.id), verdict: { status: 'pending' } };
    } catch (error) {
      this.run.errors.push(toResultError(this.run, error));
      return { ...base, plugin, evaluator: undefined, description: expectation.id, final: true, decidedAt: this.run.clock.now(),
        verdict: decided('error', toResultError(this.run, error).message) };
    }
  }

  /** Feeds the observations already in the timeline, then every new one as it is appended. */
  attach(): void {
    for (const observation of this.run.timeline.query()) this.observe(observation);
    this.unsubscribe = this.run.timeline.subscribe((observation) => {
      this.observe(observation);
      this.run.changed.notify();
    });
  }

  /** Stops feeding observations. */
  detach(): void {
    this.unsubscribe?.();
  }

  private observe(observation: Observation): void {
    for (const t of this.tracked) {
      if (t.final || !t.evaluator?.observe) continue;
      const evaluator = t.evaluator;
      try {
        this.run.dispatcher.sync(t.plugin.name, `assertions.${t.expectation.section}.observe`, () => evaluator.observe!(observation));
      } catch (error) {
        this.fail(t, error);
      }
    }
  }

  private fail(t: Tracked, error: unknown): void {
    const resultError = toResultError(this.run, error);
    this.run.errors.push(resultError);
    this.settle(t, decided('error', resultError.message));
  }

  private settle(t: Tracked, verdict: Verdict): void {
    t.verdict = verdict;
    t.final = true;
    t.decidedAt = this.run.clock.now();
    if (verdict.status !== 'pending') for (const seq of verdict.evidence) this.run.timeline.pin(seq);
    if (verdict.status !== 'pending') {
      this.run.progress({ type: 'expectation', id: t.expectation.id, status: verdict.status, provisional: false, at: t.decidedAt });
    }
  }

  /**
   * Asks every undecided evaluator for its verdict. A pass is provisional (not final) when the evaluator says so,
   * or when it needs a closed window that is not closed yet. With `timedOut`, `pending` becomes `failed`.
   */
  evaluate(options: { timedOut?: boolean } = {}): void {
    const timedOut = options.timedOut ?? false;
    const ctx: EvaluationContext = {
      timeline: this.run.timeline,
      window: { ...this.run.window },
      faults: this.run.faults.map((f) => ({ ...f })),
      clock: this.run.clock,
      blindSpans: (source) => this.run.blindSpans.filter((s) => source === undefined || s.source === source),
      timedOut,
    };
    for (const t of this.tracked) {
      if (t.final || !t.evaluator) continue;
      const evaluator = t.evaluator;
      t.recheckAt = undefined;
      let verdict: Verdict;
      try {
        verdict = this.run.dispatcher.sync(t.plugin.name, `assertions.${t.expectation.section}.verdict`, () => evaluator.verdict(ctx));
      } catch (error) {
        this.fail(t, error);
        continue;
      }
      t.recheckAt = verdict.recheckAt;
      if (verdict.status === 'pending') {
        t.passingSince = undefined;
        t.verdict = verdict;
        for (const seq of verdict.evidence ?? []) this.run.timeline.pin(seq);
        if (timedOut) {
          const waiting = verdict.waitingFor ?? t.description;
          // Not having seen something is no evidence while the source could not see: that is not a failure.
          const blind = this.blindDuringWindow(evaluator.sources);
          if (blind) this.settle(t, decided('error', `could not decide before the timeout: observer ${blind.source} was blind during the window (${blind.reason}); still waiting for ${waiting}`));
          else this.settle(t, decided('failed', `timed out still waiting for ${waiting}`));
        }
        continue;
      }
      // Once the window is closed a pass is a pass: "provisional" only ever means "until the window closes".
      const provisional = verdict.status === 'passed' && !this.run.window.closed && (verdict.provisional === true || evaluator.needsClosedWindow);
      if (provisional && timedOut) {
        const blind = this.blindDuringWindow(evaluator.sources);
        if (blind) this.settle(t, decided('error', `could not close the window before the timeout: observer ${blind.source} was blind (${blind.reason}); so far: ${verdict.message}`, verdict.evidence));
        else this.settle(t, decided('failed', `timed out before the window closed (so far: ${verdict.message})`, verdict.evidence));
        continue;
      }
      if (provisional) {
        if (t.passingSince === undefined) {
          t.passingSince = this.run.clock.now();
          this.run.progress({ type: 'expectation', id: t.expectation.id, status: 'passed', provisional: true, at: t.passingSince });
        }
        t.verdict = verdict;
        // Pin now: the cap could otherwise evict what the final verdict will cite.
        for (const seq of verdict.evidence) this.run.timeline.pin(seq);
        continue;
      }
      this.settle(t, verdict);
    }
  }

  /** Decides every undecided expectation as `status` with `message` (abort, a window that cannot close). */
  settlePending(status: VerdictStatus, message: string): void {
    for (const t of this.tracked) if (!t.final) this.settle(t, decided(status, message, t.verdict.status === 'pending' ? [] : t.verdict.evidence));
  }

  /** The earliest time an undecided evaluator asked to be asked again (`Infinity` when none did). */
  nextRecheckAt(): number {
    let next = Infinity;
    for (const t of this.tracked) if (!t.final && t.recheckAt !== undefined) next = Math.min(next, t.recheckAt);
    return next;
  }

  /** A blind span of one of `sources` that overlaps the window (so far), if any. */
  private blindDuringWindow(sources: readonly string[]): BlindSpan | undefined {
    const from = this.run.window.opensAt ?? 0;
    const to = this.run.window.closesAt ?? this.run.clock.now();
    return this.run.blindSpans.find((s) => sources.includes(s.source) && s.from <= to && (s.to ?? Infinity) >= from);
  }

  /** `true` when every expectation is decided for good. */
  allFinal(): boolean {
    return this.tracked.every((t) => t.final);
  }

  /**
   * When every positive expectation (one that does not need a closed window) is decided or provisionally passing:
   * the latest moment one of them passed (or the window's opening when there are none). Otherwise `undefined`.
   */
  positivesSettledAt(): number | undefined {
    let latest = this.run.window.opensAt ?? this.run.clock.now();
    for (const t of this.tracked) {
      if (t.evaluator?.needsClosedWindow) continue;
      if (t.final) {
        if (t.verdict.status === 'passed' && t.decidedAt !== undefined) latest = Math.max(latest, t.passingSince ?? t.decidedAt);
        continue;
      }
      if (t.passingSince === undefined) return undefined;
      latest = Math.max(latest, t.passingSince);
    }
    return latest;
  }

  /** The expectations' part of the result; a pass whose sources were blind during the window becomes `error`. */
  results(): ExpectationResult[] {
    return this.tracked.map((t) => {
      let status: VerdictStatus = t.verdict.status === 'pending' ? 'error' : t.verdict.status;
      let message = t.verdict.status === 'pending' ? 'not decided' : t.verdict.message;
      const evidence = t.verdict.status === 'pending' ? [] : t.verdict.evidence;
      if (status === 'passed') {
        const blind = this.blindDuringWindow(t.evaluator?.sources ?? []);
        if (blind) {
          status = 'error';
          message = `cannot confirm: observer ${blind.source} was blind during the window (${blind.reason}); it would otherwise have passed: ${message}`;
        }
      }
      return {
        id: t.expectation.id,
        section: t.expectation.section,
        plugin: t.plugin.name,
        description: t.description,
        status,
        message,
        evidence: evidence.map((seq) => this.run.timeline.get(seq)).filter((o): o is Observation => o !== undefined),
        ...(t.decidedAt === undefined ? {} : { decidedAt: t.decidedAt }),
        line: t.expectation.line,
        column: t.expectation.column,
      };
    });
  }
}
