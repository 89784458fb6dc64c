/**
 * Continuous evaluation: one evaluator per expectation item, fed every observation in timeline order through
 * `observe`, and asked for a `verdict` whenever something changed. Every call goes through the dispatcher, so a
 * throwing evaluator makes its own expectation `error` and nothing else.
 */
import type { EvaluationContext, Evaluator, TesterPlugin, Verdict, VerdictStatus } from '../contract';
import type { Observation } from '../observation';
import type { PluginRegistry } from '../registry';
import type { ExpectationResult } from '../result-types';
import type { ScenarioExpectation } from '../scenario-types';
import { type RunState, pluginContext, toResultError } from './run-state';

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
      let verdict: Verdict;
      try {
        verdict = this.run.dispatcher.sync(t.plugin.name, `assertions.${t.expectation.section}.verdict`, () => evaluator.verdict(ctx));
      } catch (error) {
        this.fail(t, error);
        continue;
      }
      if (verdict.status === 'pending') {
        t.passingSince = undefined;
        t.verdict = verdict;
        for (const seq of verdict.evidence ?? []) this.run.timeline.pin(seq);
        if (timedOut) {
          const waiting = verdict.waitingFor ?? t.description;
          this.settle(t, decided('failed', `timed out still waiting for ${waiting}`));
        }
        continue;
      }
      // Once the window is closed a pass is a pass: "provisional" only ever means "until the window closes".
      const provisional = verdict.status === 'passed' && !this.run.window.closed && (verdict.provisional === true || evaluator.needsClosedWindow);
      if (provisional && timedOut) {
        this.settle(t, decided('failed', `timed out before the window closed (so far: ${verdict.message})`, verdict.evidence));
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
    const from = this.run.window.opensAt ?? 0;
    const to = this.run.window.closesAt ?? this.run.clock.now();
    return this.tracked.map((t) => {
      let status: VerdictStatus = t.verdict.status === 'pending' ? 'error' : t.verdict.status;
      let message = t.verdict.status === 'pending' ? 'not decided' : t.verdict.message;
      const evidence = t.verdict.status === 'pending' ? [] : t.verdict.evidence;
      if (status === 'passed') {
        const sources = t.evaluator?.sources ?? [];
        const blind = this.run.blindSpans.find((s) => sources.includes(s.source) && s.from <= to && (s.to ?? Infinity) >= from);
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
