/**
 * Continuous evaluation: one evaluator per expectation item, fed every observation in timeline order through
 * `observe`, and asked for a `verdict` whenever something changed. Every call goes through the hook driver, so a
 * throwing evaluator makes its own expectation `error` and nothing else.
 */
import type { Clock } from '../clock';
import type { BlindSpan, EvaluationContext, Evaluator, Interest, TesterPlugin, Verdict, VerdictStatus } from '../contract';
import type { Observation } from '../observation';
import type { PluginRegistry } from '../registry';
import { formatMs } from '../duration';
import type { ExpectationResult, ExpectationStatus } from '../result-types';
import type { ScenarioExpectation } from '../scenario-types';
import { type RunState, pluginContext } from './run-state';

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
      const declared = run.hooks.sync(provided.plugin.name, `assertions.${expectation.section}.interests`, () => interests(expectation.item));
      for (const interest of declared ?? []) seen.set(`${interest.source}\u0000${interest.kind}\u0000${interest.value}`, { ...interest });
    } catch (error) {
      run.addError(error);
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
  /** Set at the timeout for an expectation nothing contradicted and nothing confirmed. */
  undecided?: string;
  /** The plugin threw (in `create`, `observe` or `verdict`): an error of the plugin, not a verdict on the system. */
  crashed?: boolean;
  decidedAt: number | undefined;
  /** Since when it has been (provisionally) passing without interruption. */
  passingSince: number | undefined;
  /** The blind span that made it `error` (for the scenario's reason). */
  blindedBy?: BlindSpan;
  /** Decided on the closed window (a judgement over all of it), not at once on what an observation showed. */
  decidedOnClosedWindow?: boolean;
  /** When the evaluator asked to be asked again even if nothing changes. */
  recheckAt?: number | undefined;
}

const decided = (status: VerdictStatus, message: string, evidence: number[] = []): Verdict => ({ status, message, evidence });

/**
 * The evaluators of a run, and core's verdict rules (DESIGN.md "Windows, settling and barriers"): evaluators
 * report what the evidence shows; this class alone turns open windows, the timeout and blindness into verdicts.
 */
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
      const evaluator = this.run.hooks.sync(plugin.name, `assertions.${expectation.section}.create`, () =>
        definition.create(expectation.item, {
          ...pluginContext(this.run, plugin, `assertions.${expectation.section}`),
          section: expectation.section,
          index: expectation.index,
        }),
      );
      return { ...base, plugin, evaluator, description: String(evaluator.description ?? expectation.id), verdict: { status: 'pending' } };
    } catch (error) {
      const resultError = this.run.addError(error);
      return { ...base, plugin, evaluator: undefined, description: expectation.id, final: true, crashed: true, decidedAt: this.run.clock.now(),
        verdict: decided('error', resultError.message) };
    }
  }

  /** Feeds the observations already in the timeline, then every new one as it is appended. */
  attach(also?: (observation: Observation) => void): void {
    for (const observation of this.run.timeline.query()) {
      also?.(observation);
      this.observe(observation);
    }
    this.unsubscribe = this.run.timeline.subscribe((observation) => {
      also?.(observation);
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
        this.run.hooks.sync(t.plugin.name, `assertions.${t.expectation.section}.observe`, () => evaluator.observe!(observation));
      } catch (error) {
        this.fail(t, error);
      }
    }
  }

  private fail(t: Tracked, error: unknown): void {
    const resultError = this.run.addError(error);
    t.crashed = true;
    this.settle(t, decided('error', resultError.message));
  }

  private settle(t: Tracked, verdict: Verdict, at = this.run.clock.now()): void {
    t.verdict = verdict;
    t.final = true;
    t.decidedAt = at;
    t.decidedOnClosedWindow = this.run.window.closed;
    if (verdict.status !== 'pending') for (const seq of verdict.evidence) this.run.timeline.pin(seq);
    if (verdict.status !== 'pending') {
      this.run.progress({ type: 'expectation', id: t.expectation.id, status: verdict.status, provisional: false, at: t.decidedAt });
    }
  }

  /**
   * Asks every undecided evaluator for its verdict. `failed` and `error` are final at once; a pass is final
   * unless it is provisional or needs the closed window and the window is not closed yet; `pending` waits.
   */
  evaluate(): void {
    // One moment for the whole pass, the one recorded for a replay: the evaluators read `now` from it, so a verdict
    // that measures "so far" (a state held for more than N ms) says the same live and replayed, however long the
    // pass itself takes (reading packed observations back takes time).
    const at = this.run.noteEvaluation();
    const live = this.run.clock;
    const clock: Clock = { now: () => at, wallNow: () => live.wallNow() - (live.now() - at), until: (t, signal) => live.until(t, signal), every: (ms, fn) => live.every(ms, fn) };
    const ctx: EvaluationContext = {
      timeline: this.run.timeline,
      window: { ...this.run.window },
      faults: this.run.faults.map((f) => ({ ...f })),
      clock,
      blindSpans: (source) => this.run.blindSpans.filter((s) => source === undefined || s.source === source),
    };
    for (const t of this.tracked) {
      if (t.final || !t.evaluator) continue;
      const evaluator = t.evaluator;
      t.recheckAt = undefined;
      let verdict: Verdict;
      try {
        verdict = this.run.hooks.sync(t.plugin.name, `assertions.${t.expectation.section}.verdict`, () => evaluator.verdict(ctx));
      } catch (error) {
        this.fail(t, error);
        continue;
      }
      t.recheckAt = verdict.recheckAt;
      if (verdict.status === 'pending') {
        t.passingSince = undefined;
        t.verdict = verdict;
        for (const seq of verdict.evidence ?? []) this.run.timeline.pin(seq);
        continue;
      }
      // Once the window is closed a pass is a pass: "provisional" only ever means "until the window closes".
      const provisional = verdict.status === 'passed' && !this.run.window.closed && (verdict.provisional === true || evaluator.needsClosedWindow);
      if (provisional) {
        if (t.passingSince === undefined) {
          t.passingSince = at;
          this.run.progress({ type: 'expectation', id: t.expectation.id, status: 'passed', provisional: true, at: t.passingSince });
        }
        t.verdict = verdict;
        // Pin now: the cap could otherwise evict what the final verdict will cite.
        for (const seq of verdict.evidence) this.run.timeline.pin(seq);
        continue;
      }
      this.settle(t, verdict, at);
    }
  }

  /**
   * The timeout: what nothing contradicted and nothing confirmed is `undecided` (not blamed), or `error` when
   * one of its sources was blind during the window. `why` says why the run could not wait any longer.
   */
  timeout(why: string): void {
    for (const t of this.tracked) {
      if (t.final) continue;
      const blind = this.blindDuringWindow(t.evaluator?.sources ?? []);
      const sofar = t.verdict.status === 'pending' ? `still waiting for ${t.verdict.waitingFor ?? t.description}` : `so far: ${t.verdict.message}`;
      if (blind) {
        t.blindedBy = blind;
        this.settle(t, decided('error', `could not decide: ${describeBlind(this.run, blind)}; ${sofar}`, t.verdict.status === 'pending' ? (t.verdict.evidence ?? []) : t.verdict.evidence));
        continue;
      }
      t.undecided = `undecided: ${why}; ${sofar}`;
      this.settle(t, t.verdict.status === 'pending' ? decided('error', t.undecided, t.verdict.evidence ?? []) : { ...t.verdict });
      this.run.progress({ type: 'expectation', id: t.expectation.id, status: 'undecided', provisional: false, at: this.run.clock.now() });
    }
  }

  /**
   * Decides every undecided expectation as `status` with `message` (abort, a window that cannot close), keeping
   * what it had cited so far (a pending verdict's evidence, a provisional pass's): an interrupted run still shows
   * what was observed.
   */
  settlePending(status: VerdictStatus, message: string): void {
    for (const t of this.tracked) if (!t.final) this.settle(t, decided(status, message, t.verdict.status === 'pending' ? (t.verdict.evidence ?? []) : t.verdict.evidence));
  }

  /** The earliest time an undecided evaluator asked to be asked again (`Infinity` when none did). */
  nextRecheckAt(): number {
    let next = Infinity;
    for (const t of this.tracked) if (!t.final && t.recheckAt !== undefined) next = Math.min(next, t.recheckAt);
    return next;
  }

  /**
   * A blind span of one of `sources` that overlaps the window (so far), if any. A span of one resource of a source
   * (`BlindDetail.resource`) does not count: the source still saw what its expectations read.
   */
  private blindDuringWindow(sources: readonly string[]): BlindSpan | undefined {
    const from = this.run.window.opensAt ?? 0;
    const to = this.run.window.closesAt ?? this.run.clock.now();
    return this.run.blindSpans.find((s) => s.resource === undefined && sources.includes(s.source) && s.from <= to && (s.to ?? Infinity) >= from);
  }

  /** A blind span of one of `sources`, overlapping the window, that was open at clock time `at` (a decision's). */
  private blindAt(sources: readonly string[], at: number | undefined): BlindSpan | undefined {
    if (at === undefined) return undefined;
    const opens = this.run.window.opensAt ?? 0;
    return this.run.blindSpans.find((s) => s.resource === undefined && sources.includes(s.source) && s.from <= at && (s.to ?? Infinity) >= Math.max(at, opens));
  }

  /**
   * The blindness behind the expectations that could not be judged, for the scenario's reason: `observer kafka
   * blind since +2.1s (broker 127.0.0.1:9092 unreachable: ECONNREFUSED)`, one per source, with the ids of those
   * expectations; `undefined` when blindness decided none.
   * `until`: when the run stopped evaluating (a span still open then reads "since").
   */
  blindSummary(until: number): { summary: string; ids: string[] } | undefined {
    const seen = new Map<string, BlindSpan>();
    for (const t of this.tracked) {
      if (!t.blindedBy || seen.has(t.blindedBy.source)) continue;
      seen.set(t.blindedBy.source, t.blindedBy);
    }
    if (!seen.size) return undefined;
    const ids = this.tracked.filter((t) => t.blindedBy).map((t) => t.expectation.id);
    const base = this.run.window.opensAt;
    const rel = (at: number) => (base === undefined ? '' : `${at < base ? '-' : '+'}${formatMs(Math.abs(at - base))}`);
    const summary = [...seen.values()]
      .map((s) => (s.to === undefined || s.to >= until ? `observer ${s.source} blind since ${rel(s.from)} (${s.reason})` : `observer ${s.source} blind from ${rel(s.from)} to ${rel(s.to)} (${s.reason})`))
      .join('; ');
    return { summary, ids };
  }

  /** `true` when every expectation is decided for good. */
  allFinal(): boolean {
    return this.tracked.every((t) => t.final);
  }

  /**
   * The expectations their evaluator judged `error` so far, with their messages (unknown references are known
   * before any action). A plugin that threw is not among them: that is its own expectation's error, not a reason
   * to stop the scenario.
   */
  errors(): { id: string; message: string }[] {
    return this.tracked
      .filter((t) => t.final && t.verdict.status === 'error' && !t.crashed)
      .map((t) => ({ id: t.expectation.id, message: t.verdict.status === 'pending' ? '' : t.verdict.message }));
  }

  /**
   * The expectations' part of the result, with core's blindness rule: a pass, a failure that rests on not having
   * seen something, or a failure of a closed-window expectation decided on the closed window (a judgement over all
   * of it: counts, agreement between sources), whose sources were blind during the window is `error`; so is any
   * failure decided while one of its sources was blind (it rests on a stale view: the last state a dead source
   * reported, its last sample). Blind spans start when the source was last seen (`BlindDetail.since`), so this
   * covers a failure decided before the observer noticed. A failure decided at once on what was seen while its
   * sources saw stays `failed`.
   */
  results(): ExpectationResult[] {
    return this.tracked.map((t) => {
      let status: ExpectationStatus = t.verdict.status === 'pending' ? 'error' : t.verdict.status;
      let message = t.verdict.status === 'pending' ? 'not decided' : t.verdict.message;
      const evidence = t.verdict.status === 'pending' ? (t.verdict.evidence ?? []) : t.verdict.evidence;
      if (t.undecided !== undefined) {
        status = 'undecided';
        message = t.undecided;
      } else if ((status === 'passed' || status === 'failed') && !t.crashed) {
        const sources = t.evaluator?.sources ?? [];
        const byAbsence = t.verdict.status === 'failed' && t.verdict.absence === true;
        // A judgement over the whole closed window (counts, agreement between sources) that one of its sources could
        // not see all of is no evidence either; a failure decided at once on what was seen is.
        const overWindow = t.evaluator?.needsClosedWindow === true && t.decidedOnClosedWindow === true;
        const blind = status === 'passed' || byAbsence || overWindow ? this.blindDuringWindow(sources) : this.blindAt(sources, t.decidedAt);
        if (blind) {
          t.blindedBy = blind;
          message = `${status === 'passed' ? 'cannot confirm' : 'cannot judge'}: ${describeBlind(this.run, blind)}; ${status === 'passed' ? 'it would otherwise have passed' : 'what was seen'}: ${message}`;
          status = 'error';
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

/** `observer kafka was blind from +1.2s to +3.4s (broker down)`, times relative to the window's opening. */
export function describeBlind(run: RunState, span: BlindSpan): string {
  const base = run.window.opensAt ?? span.from;
  const rel = (t: number) => `${t < base ? '-' : '+'}${formatMs(Math.abs(t - base))}`;
  return `observer ${span.source} was blind from ${rel(span.from)} ${span.to === undefined ? 'on' : `to ${rel(span.to)}`} (${span.reason})`;
}
