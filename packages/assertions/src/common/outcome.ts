/**
 * Building verdicts: each key of an item is one *check* that answers an {@link Outcome}; an item's verdict is
 * its checks combined, with blindness and the timeout applied in one place so every family behaves the same.
 */
import type { BlindSpan, EvaluationContext, Evaluator, Observation, Verdict } from '@tester/core';
import { formatMs } from './duration';

/** What one check answers. Richer than a {@link Verdict} so that combining can apply the shared rules. */
export type Outcome =
  | {
      status: 'pending';
      waitingFor: string;
      evidence?: number[];
      /** When waiting for *time* (a deadline, a hold): the clock time to be asked again at, nothing observed or not. */
      recheckAt?: number;
    }
  | {
      status: 'passed' | 'failed' | 'error';
      message: string;
      evidence: number[];
      /** A pass that the rest of the window can still undo (see `Verdict.provisional`). */
      provisional?: boolean;
      /**
       * A failure that rests on *not having seen* something ("never reached CONNECTED"). If a source was blind,
       * such a failure may be the observer's fault, so it becomes `error`. Failures that rest on something seen
       * (a duplicate, an illegal state) stay `failed`: the system did misbehave.
       */
      absence?: boolean;
    };

export const pending = (waitingFor: string, evidence?: number[], recheckAt?: number): Outcome => ({ status: 'pending', waitingFor, evidence, recheckAt });
export const passed = (message: string, evidence: number[], provisional = false): Outcome => ({
  status: 'passed',
  message,
  evidence,
  provisional,
});
export const failed = (message: string, evidence: number[], absence = false): Outcome => ({ status: 'failed', message, evidence, absence });
export const errored = (message: string, evidence: number[] = []): Outcome => ({ status: 'error', message, evidence });

/** A check: one key of an item, judged from the evaluator's accumulated state. */
export type Check = (ctx: EvaluationContext) => Outcome;

/** Blind spans of `sources` that overlap the window so far. */
export function blindDuring(ctx: EvaluationContext, sources: readonly string[]): BlindSpan[] {
  const from = ctx.window.opensAt ?? Number.NEGATIVE_INFINITY;
  const to = ctx.window.closesAt ?? ctx.clock.now();
  return sources.flatMap((s) => ctx.blindSpans(s)).filter((b) => b.from <= to && (b.to ?? Number.POSITIVE_INFINITY) >= from);
}

function describeBlind(ctx: EvaluationContext, spans: BlindSpan[]): string {
  const base = ctx.window.opensAt ?? 0;
  return spans
    .map((b) => `${b.source} was blind from +${formatMs(b.from - base)} ${b.to === undefined ? 'on' : `to +${formatMs(b.to - base)}`} (${b.reason})`)
    .join('; ');
}

const unique = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

/** Combines the checks of one item: any failure fails it, then any error, then any pending; else it passes. */
export function combine(outcomes: Outcome[]): Outcome {
  const evidence = unique(outcomes.flatMap((o) => o.evidence ?? []));
  const by = (s: Outcome['status']) => outcomes.filter((o) => o.status === s) as Extract<Outcome, { message: string }>[];
  const fails = by('failed');
  if (fails.length)
    return {
      status: 'failed',
      message: fails.map((o) => o.message).join('; '),
      evidence: unique(fails.flatMap((o) => o.evidence)),
      absence: fails.every((o) => o.absence),
    };
  const errors = by('error');
  if (errors.length) return errored(errors.map((o) => o.message).join('; '), unique(errors.flatMap((o) => o.evidence)));
  const waiting = outcomes.filter((o) => o.status === 'pending') as Extract<Outcome, { status: 'pending' }>[];
  if (waiting.length) {
    const rechecks = waiting.map((o) => o.recheckAt).filter((t): t is number => t !== undefined);
    return pending(waiting.map((o) => o.waitingFor).join('; '), evidence, rechecks.length ? Math.min(...rechecks) : undefined);
  }
  const passes = by('passed');
  return passed(passes.map((o) => o.message).join('; '), evidence, passes.some((o) => o.provisional));
}

/** What every family's evaluator is made of. */
export interface EvaluatorParts {
  /** The section name, the start of every message (`events: ...`). */
  section: string;
  description: string;
  sources: readonly string[];
  needsClosedWindow: boolean;
  observe(o: Observation): void;
  checks: Check[];
}

/**
 * Makes an {@link Evaluator} from checks. Shared rules: a `passed`, or a failure by absence, becomes `error`
 * when a source was blind during the window; on the timeout a `pending` becomes `failed` saying what it
 * waited for; every message starts with the section name.
 */
export function makeEvaluator(parts: EvaluatorParts): Evaluator {
  const prefix = `${parts.section}: `;
  return {
    description: parts.description,
    sources: parts.sources,
    needsClosedWindow: parts.needsClosedWindow,
    observe: parts.observe,
    verdict(ctx: EvaluationContext): Verdict {
      let outcomes = parts.checks.map((check) => check(ctx));
      if (ctx.timedOut && outcomes.some((o) => o.status === 'pending')) {
        // Undecided at the timeout fails "with what was seen": judge what waited for the closed window as if it
        // had closed now, and keep any failure that shows. A pass on incomplete evidence stays undecided.
        const asClosed: EvaluationContext = { ...ctx, window: { ...ctx.window, closesAt: ctx.window.closesAt ?? ctx.clock.now(), closed: true } };
        outcomes = outcomes.map((o, i) => {
          if (o.status !== 'pending') return o;
          const judged = parts.checks[i]!(asClosed);
          return judged.status === 'failed' || judged.status === 'error' ? { ...judged, message: `at the timeout, ${judged.message}` } : o;
        });
      }
      const outcome = combine(outcomes);
      if (outcome.status === 'pending') {
        if (!ctx.timedOut) {
          const waiting: Verdict = { status: 'pending', waitingFor: outcome.waitingFor };
          if (outcome.evidence?.length) waiting.evidence = outcome.evidence;
          if (outcome.recheckAt !== undefined) waiting.recheckAt = outcome.recheckAt;
          return waiting;
        }
        const blind = blindDuring(ctx, parts.sources);
        if (blind.length)
          return { status: 'error', message: `${prefix}cannot judge: ${describeBlind(ctx, blind)}; timed out waiting for ${outcome.waitingFor}`, evidence: outcome.evidence ?? [] };
        return { status: 'failed', message: `${prefix}timed out waiting for ${outcome.waitingFor}`, evidence: outcome.evidence ?? [] };
      }
      if (outcome.status === 'passed' || (outcome.status === 'failed' && outcome.absence)) {
        const blind = blindDuring(ctx, parts.sources);
        if (blind.length)
          return {
            status: 'error',
            message: `${prefix}cannot judge: ${describeBlind(ctx, blind)}; what was seen: ${outcome.message}`,
            evidence: outcome.evidence,
          };
      }
      const verdict: Verdict = { status: outcome.status, message: prefix + outcome.message, evidence: outcome.evidence };
      if (outcome.status === 'passed' && outcome.provisional) verdict.provisional = true;
      return verdict;
    },
  };
}

/** Observations received from the moment the window opened (all of them before it is known). */
export function inWindow<T extends { receivedAt: number }>(ctx: EvaluationContext, xs: readonly T[]): T[] {
  const from = ctx.window.opensAt;
  return from === undefined ? [] : xs.filter((x) => x.receivedAt >= from);
}

/** `+1.2s` relative to the window's opening, for messages. */
export function at(ctx: EvaluationContext, t: number): string {
  return `+${formatMs(t - (ctx.window.opensAt ?? 0))}`;
}
