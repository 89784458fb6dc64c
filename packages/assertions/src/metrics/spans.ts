/** The spans a `metrics` item looks at (the window, the fault, the recovery), and stretches of an unchanged value. */
import type { EvaluationContext } from '@tester/core';
import { errored, pending, type CheckOutcome } from '../common/outcome';
import type { Answer } from './series';

export type Span = 'window' | 'fault' | 'recovery';

/**
 * The span's bounds in clock time, or why they are not known yet. `to` is `undefined` while the span is still
 * open; a span that ends with the window is `+Infinity` once it closed, so that it takes every answer received
 * until the verdict (the barrier's answer arrives after T and is the one that shows the state at T).
 */
export function spanBounds(ctx: EvaluationContext, span: Span): { from: number; to: number | undefined } | CheckOutcome {
  const opens = ctx.window.opensAt as number;
  if (span === 'window') return { from: opens, to: ctx.window.closed ? Number.POSITIVE_INFINITY : undefined };
  if (!ctx.faults.length) return ctx.window.closed ? errored(`"${span}" needs a fault, and this scenario injected none`) : pending('a fault to start');
  const from = Math.min(...ctx.faults.map((f) => f.startedAt));
  const active = ctx.faults.some((f) => f.endedAt === undefined);
  const end = active ? undefined : Math.max(...ctx.faults.map((f) => f.endedAt as number));
  if (span === 'fault') return { from, to: end };
  if (end === undefined) return pending('the fault to end (the recovery starts then)');
  return { from: end, to: ctx.window.closed ? Number.POSITIVE_INFINITY : undefined };
}

/** A stretch during which a value did not change. */
export interface Stretch {
  from: number;
  to: number;
  value: number;
  /** The answer that set the value, and the one that changed it (none while it still holds). */
  setBy: Answer;
  endedBy: Answer | undefined;
}

/**
 * Stretches of an unchanged value within `[from, end]`, from the answers in force in it (the first may have been
 * received before `from`: it counts from `from`). A value is unchanged until an answer shows another one or no
 * value at all (the series vanished). The last stretch runs to `end`: the observer records changes, so silence
 * from a sighted source is "no change" (core turns a pass into `error` when the source was blind).
 * Returns the first stretch at least `min` long, else the longest one and the one still running at `end`.
 */
export function stretches(answers: readonly Answer[], from: number, end: number, min: number, valueOf: (a: Answer) => number | undefined): { found?: Stretch; longest?: Stretch; running?: Stretch } {
  let run: { from: number; value: number; setBy: Answer } | undefined;
  let longest: Stretch | undefined;
  const close = (to: number, endedBy: Answer | undefined): Stretch | undefined => {
    if (!run) return undefined;
    const s: Stretch = { ...run, to, endedBy };
    if (!longest || s.to - s.from > longest.to - longest.from) longest = s;
    return s;
  };
  for (const a of answers) {
    const t = Math.max(a.t, from);
    if (t > end) break;
    const v = valueOf(a);
    if (run && v !== undefined && Object.is(v, run.value)) continue;
    const s = close(t, a);
    if (s && s.to - s.from >= min) return { found: s, longest };
    run = v === undefined ? undefined : { from: t, value: v, setBy: a };
  }
  const running = close(end, undefined);
  if (running && running.to - running.from >= min) return { found: running, longest, running };
  return { longest, running };
}
