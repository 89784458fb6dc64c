/** The `events` evaluator: counts, existence, order, duplicates and `within`, over `event` observations. */
import { type EvaluationContext, type EventData, type Evaluator, type Observation, ObservationKinds } from '@tester/core';
import { resolveAnchor, type Within } from '../common/anchor';
import { Catalog } from '../common/catalog';
import { formatMs } from '../common/duration';
import { describeAll, seqs } from '../common/evidence';
import { at, errored, failed, inWindow, makeEvaluator, passed, pending, type Check, type CheckOutcome } from '../common/outcome';
import { ReadSources } from '../common/sources';
import { eventFilter, field } from './match';
import type { EventsItem } from './schema';

const data = (o: Observation) => o.data as EventData;

export function createEventsEvaluator(item: EventsItem): Evaluator {
  const matches = eventFilter(item);
  // In scope: the item's system and where, any type (order and no_duplicates look across types; where still
  // applies: order of DRIFT_DETECTED -> DRIFT_RECONCILED where payload.resource == x is about x only).
  const inScope = eventFilter(item, false);
  /** For messages only: the item's system, any type, any payload (tells a wrong filter from a missing event). */
  const nearScope = eventFilter({ ...item, where: undefined }, false);
  const near: Observation[] = [];
  const matching: Observation[] = [];
  const scoped: Observation[] = [];
  const decodeErrors: Observation[] = [];
  const catalog = new Catalog({ systems: [item.system] });
  const read = new ReadSources(item.source === undefined ? undefined : [item.source], new Set([ObservationKinds.event, ObservationKinds.eventDecodeError]));
  const what = matches.label;
  const checks: Check[] = [];
  const parts: string[] = [];
  /** Checks whose pass rests on not having seen something: an undecodable message could be that something. */
  const upper = new Set<Check>();
  const add = (description: string, check: Check, isUpper = false) => {
    parts.push(description);
    checks.push(check);
    if (isUpper) upper.add(check);
  };

  const win = (ctx: EvaluationContext) => inWindow(ctx, matching);
  const saw = (xs: Observation[]) => `saw ${xs.length}${xs.length ? ` (${describeAll(xs)})` : ''}`;

  if (item.count !== undefined) {
    const n = item.count;
    add(`${what} count == ${n}`, (ctx) => {
      const xs = win(ctx);
      if (xs.length > n) return failed(`expected ${what} count == ${n}, ${saw(xs)}`, seqs(xs));
      if (!ctx.window.closed) return pending(`the window to close to count ${what} (${xs.length} so far)`, seqs(xs));
      return xs.length === n ? passed(`${what} count == ${n} (${describeAll(xs)})`, seqs(xs)) : failed(`expected ${what} count == ${n}, ${saw(xs)}`, seqs(xs), true);
    }, true);
  }
  if (item.min_count !== undefined) {
    const n = item.min_count;
    add(`${what} count >= ${n}`, (ctx) => {
      const xs = win(ctx);
      if (xs.length >= n) return passed(`${what} count >= ${n}: ${saw(xs)}`, seqs(xs));
      if (ctx.window.closed) return failed(`expected ${what} count >= ${n}, ${saw(xs)}`, seqs(xs), true);
      return pending(`${n - xs.length} more ${what}`, seqs(xs));
    });
  }
  if (item.max_count !== undefined) {
    const n = item.max_count;
    add(`${what} count <= ${n}`, (ctx) => {
      const xs = win(ctx);
      if (xs.length > n) return failed(`expected ${what} count <= ${n}, ${saw(xs)}`, seqs(xs));
      return ctx.window.closed ? passed(`${what} count <= ${n}: ${saw(xs)}`, seqs(xs)) : pending(`the window to close (${xs.length} ${what} so far)`, seqs(xs));
    }, true);
  }
  if (item.exists === true) {
    add(`${what} exists`, (ctx) => {
      const xs = win(ctx);
      if (xs.length) return passed(`${what} exists (${describeAll(xs.slice(0, 1))})`, seqs(xs.slice(0, 1)));
      return ctx.window.closed ? failed(`expected ${what}, saw none${scopeNote(ctx)}`, [], true) : pending(`a ${what}`);
    });
  }
  if (item.exists === false || item.absent) {
    add(`no ${what}`, (ctx) => {
      const xs = win(ctx);
      if (xs.length) return failed(`expected no ${what}, ${saw(xs)}`, seqs(xs));
      return ctx.window.closed ? passed(`no ${what} in the window`, []) : pending(`the window to close (no ${what} so far)`);
    }, true);
  }
  if (item.order) {
    const order = item.order;
    const label = `${order.join(' → ')}${item.system ? ` on ${item.system}` : ''}`;
    add(`events in order ${label}`, (ctx) => {
      const xs = inWindow(ctx, scoped).filter((o) => order.includes(data(o).type));
      const matched: Observation[] = [];
      for (const o of xs) if (matched.length < order.length && data(o).type === order[matched.length]) matched.push(o);
      if (matched.length === order.length) return passed(`events came in order ${label} (${describeAll(matched)})`, seqs(matched));
      const seen = xs.map((o) => data(o).type).join(' → ') || 'none of them';
      const missing = order[matched.length] as string;
      if (ctx.window.closed) return failed(`expected events in order ${label}, saw ${seen}: no ${missing} after ${matched.length ? order[matched.length - 1] : 'the window opened'}`, seqs(xs), true);
      return pending(`${missing} (order ${label}; seen so far: ${seen})`, seqs(matched));
    });
  }
  if (item.no_duplicates) {
    const by = item.no_duplicates === true ? ['id'] : item.no_duplicates.by;
    const keyOf = (o: Observation) => JSON.stringify(by.map((f) => field(data(o), f)));
    add(`no duplicate ${what} by ${by.join(', ')}`, (ctx) => {
      const first = new Map<string, Observation>();
      for (const o of inWindow(ctx, item.type || item.where ? matching : scoped)) {
        const k = keyOf(o);
        const prior = first.get(k);
        if (prior) return failed(`duplicate ${what} by ${by.join(', ')} = ${k.slice(1, -1)}: ${describeAll([prior, o])}`, [prior.seq, o.seq]);
        first.set(k, o);
      }
      return ctx.window.closed ? passed(`no duplicate ${what} by ${by.join(', ')} among ${first.size}`, []) : pending(`the window to close (no duplicate ${what} so far)`);
    }, true);
  }
  if (item.within) {
    const within: Within = item.within;
    add(`${what} within ${formatMs(within.maxMs)} after ${within.after}`, (ctx) => {
      const anchor = resolveAnchor(ctx, within, item.system);
      if (anchor.kind === 'none') return errored(anchor.why);
      if (anchor.kind === 'waiting') return pending(anchor.why);
      const first = matching.find((o) => o.receivedAt >= anchor.from);
      if (first && first.receivedAt <= anchor.deadline) return passed(`${what} arrived at ${at(ctx, first.receivedAt)}, ${anchor.label} (${describeAll([first])})`, [first.seq]);
      if (first) return failed(`${what} arrived ${formatMs(first.receivedAt - anchor.from)} after the anchor, not ${anchor.label} (${describeAll([first])})`, [first.seq]);
      if (ctx.clock.now() > anchor.deadline || ctx.window.closed) return failed(`no ${what} ${anchor.label}${scopeNote(ctx)}`, [], true);
      return pending(`${what} by ${at(ctx, anchor.deadline)}`, undefined, anchor.deadline + 1);
    });
  }

  /** When nothing matched, what did arrive: helps tell a wrong filter from a missing event. */
  function scopeNote(ctx: EvaluationContext): string {
    const others = inWindow(ctx, near);
    if (!others.length) return '';
    const types = [...new Set(others.map((o) => data(o).type))].join(', ');
    return `; ${others.length} other event${others.length === 1 ? '' : 's'} arrived (${types})`;
  }

  function withDecodeErrors(check: Check): Check {
    return (ctx) => {
      const outcome = check(ctx);
      const bad = inWindow(ctx, decodeErrors);
      const cel = matches.celProblem();
      if (outcome.status === 'pending') return outcome;
      let result: CheckOutcome = outcome;
      if (cel) result = { ...result, message: `${result.message} (where could not be evaluated on some events: ${cel})` };
      if (!bad.length) return result;
      const note = `${bad.length} message${bad.length === 1 ? '' : 's'} in the window could not be decoded (${describeAll(bad)})`;
      if (result.status === 'passed' && upper.has(check))
        return errored(`cannot judge: ${note}, and any of them may be a ${what}; what was seen: ${result.message}`, [...result.evidence, ...seqs(bad)]);
      return { ...result, message: `${result.message}; note: ${note}`, evidence: [...result.evidence, ...seqs(bad)] };
    };
  }

  return makeEvaluator({
    section: 'events',
    description: parts.join('; '),
    sources: () => read.list(),
    needsClosedWindow: upper.size > 0,
    observe(o) {
      catalog.observe(o);
      read.observe(o);
      if (!read.reads(o.source)) return;
      if (o.kind === ObservationKinds.eventDecodeError) decodeErrors.push(o);
      if (o.kind !== ObservationKinds.event || typeof data(o)?.type !== 'string') return;
      if (inScope(data(o))) scoped.push(o);
      if (nearScope(data(o))) near.push(o);
      if (matches(data(o))) matching.push(o);
    },
    checks: checks.map((c) => {
      const wrapped = withDecodeErrors(c);
      return catalog.guard((ctx: EvaluationContext) => (ctx.window.opensAt === undefined ? pending('the window to open (the first action to start)') : wrapped(ctx)));
    }),
  });
}
