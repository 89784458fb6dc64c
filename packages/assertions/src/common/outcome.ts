/**
 * Building verdicts: each key of an item is one *check* that answers a {@link CheckOutcome}; an item's verdict is
 * its checks combined. Blindness and the timeout are core's rules, not the checks'.
 */
import type { EvaluationContext, Evaluator, Observation, Verdict } from '@tester/core';
import { formatMs } from './duration';

/** What one check answers. Richer than a {@link Verdict} so that combining can apply the shared rules. */
export type CheckOutcome =
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
       * A failure that rests on *not having seen* something ("never reached CONNECTED"): core makes it `error`
       * when a source was blind. Failures that rest on something seen (a duplicate, an illegal state) stay `failed`.
       */
      absence?: boolean;
    };

export const pending = (waitingFor: string, evidence?: number[], recheckAt?: number): CheckOutcome => ({ status: 'pending', waitingFor, evidence, recheckAt });
export const passed = (message: string, evidence: number[], provisional = false): CheckOutcome => ({
  status: 'passed',
  message,
  evidence,
  provisional,
});
export const failed = (message: string, evidence: number[], absence = false): CheckOutcome => ({ status: 'failed', message, evidence, absence });
export const errored = (message: string, evidence: number[] = []): CheckOutcome => ({ status: 'error', message, evidence });

/** A check: one key of an item, judged from the evaluator's accumulated state. */
export type Check = (ctx: EvaluationContext) => CheckOutcome;

const unique = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

/** Combines the checks of one item: any failure fails it, then any error, then any pending; else it passes. */
export function combine(outcomes: CheckOutcome[]): CheckOutcome {
  const evidence = unique(outcomes.flatMap((o) => o.evidence ?? []));
  const by = (s: CheckOutcome['status']) => outcomes.filter((o) => o.status === s) as Extract<CheckOutcome, { message: string }>[];
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
  const waiting = outcomes.filter((o) => o.status === 'pending') as Extract<CheckOutcome, { status: 'pending' }>[];
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
  /** The sources read; a function when they are known only from what was observed (asked when core needs them). */
  sources: readonly string[] | (() => readonly string[]);
  needsClosedWindow: boolean;
  observe(o: Observation): void;
  checks: Check[];
}

/**
 * Makes an {@link Evaluator} from checks: the checks' outcomes combined, every message starting with the
 * section name. Blindness, the timeout and the open window are core's rules, applied to the verdict this
 * returns (a failure by absence says so in `absence`, so core can turn it into `error` when a source was blind).
 */
export function makeEvaluator(parts: EvaluatorParts): Evaluator {
  const prefix = `${parts.section}: `;
  const sources = parts.sources;
  return {
    description: parts.description,
    // A getter: core reads `sources` when it applies blindness, by which time the sources read are known.
    get sources() {
      return typeof sources === 'function' ? sources() : sources;
    },
    needsClosedWindow: parts.needsClosedWindow,
    observe: parts.observe,
    verdict(ctx: EvaluationContext): Verdict {
      const outcome = combine(parts.checks.map((check) => check(ctx)));
      if (outcome.status === 'pending') {
        const waiting: Verdict = { status: 'pending', waitingFor: outcome.waitingFor };
        if (outcome.evidence?.length) waiting.evidence = outcome.evidence;
        if (outcome.recheckAt !== undefined) waiting.recheckAt = outcome.recheckAt;
        return waiting;
      }
      const verdict: Verdict = { status: outcome.status, message: prefix + outcome.message, evidence: outcome.evidence };
      if (outcome.status === 'passed' && outcome.provisional) verdict.provisional = true;
      if (outcome.status === 'failed' && outcome.absence) verdict.absence = true;
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
