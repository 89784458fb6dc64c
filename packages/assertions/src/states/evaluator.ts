/** The `states` evaluator: final state (and hold), sequence, illegal states, within, durations, api/kafka agreement. */
import type { EvaluationContext, Evaluator, Observation } from '@tester/core';
import { resolveAnchor, type Within } from '../common/anchor';
import { Catalog } from '../common/catalog';
import { formatMs } from '../common/duration';
import { at, errored, failed, makeEvaluator, passed, pending, type Check, type Outcome } from '../common/outcome';
import type { StatesItem } from './schema';
import { path, StateTrack, type Visit } from './track';

const NOT_OPEN = 'the window to open (the first action to start)';

function isSubsequence(wanted: readonly string[], seen: readonly Visit[]): Visit[] | undefined {
  const matched: Visit[] = [];
  let i = 0;
  for (const v of seen) {
    if (i < wanted.length && v.state === wanted[i]) {
      matched.push(v);
      i++;
    }
  }
  return i === wanted.length ? matched : undefined;
}

const visitEvidence = (vs: readonly Visit[]) => vs.flatMap((v) => [v.seq, ...(v.leftSeq !== undefined ? [v.leftSeq] : [])]);

export function createStatesEvaluator(item: StatesItem): Evaluator {
  const { system } = item;
  const tracks = new Map(item.sources.map((s) => [s, new StateTrack(system, s)] as const));
  const main = (tracks.get('api') ?? tracks.get('kafka')) as StateTrack;
  const from = main.source;
  const catalog = new Catalog({ systems: [system] });
  const checks: Check[] = [];
  const parts: string[] = [];

  if (item.final_state !== undefined) {
    const want = item.final_state;
    const hold = item.hold;
    parts.push(`${system} ends ${want}${hold ? ` and holds it ${formatMs(hold)}` : ''}`);
    checks.push((ctx) => finalState(ctx, main, want, hold));
  }
  if (item.sequence) {
    const seq = item.sequence;
    parts.push(`${system} goes ${seq.join(' → ')}${item.strict ? ' (strict)' : ''}`);
    checks.push((ctx) => sequence(ctx, main, seq, item.strict ?? false));
  }
  if (item.illegal_states) {
    const illegal = item.illegal_states;
    parts.push(`${system} never enters ${illegal.join(', ')}`);
    checks.push((ctx) => illegalStates(ctx, main, illegal));
  }
  if (item.within) {
    const within = item.within;
    const state = (within.state ?? item.final_state) as string;
    parts.push(`${system} reaches ${state} within ${formatMs(within.maxMs)} after ${within.after}`);
    checks.push((ctx) => reachedWithin(ctx, main, state, within));
  }
  for (const [state, max] of Object.entries(item.max_duration ?? {})) {
    parts.push(`${system} stays ${state} at most ${formatMs(max)}`);
    checks.push((ctx) => maxDuration(ctx, main, state, max));
  }
  for (const [state, min] of Object.entries(item.min_duration ?? {})) {
    parts.push(`${system} stays ${state} at least ${formatMs(min)}`);
    checks.push((ctx) => minDuration(ctx, main, state, min));
  }
  const api = tracks.get('api');
  const kafka = tracks.get('kafka');
  if (api && kafka) {
    parts.push(`api and kafka agree on ${system}'s transitions`);
    checks.push((ctx) => agree(ctx, api, kafka));
  }

  return makeEvaluator({
    section: 'states',
    description: parts.join('; '),
    sources: item.sources,
    needsClosedWindow: Boolean(item.illegal_states || item.max_duration || item.min_duration || (api && kafka)),
    observe: (o: Observation) => {
      catalog.observe(o);
      tracks.forEach((t) => t.observe(o));
    },
    checks: checks.map((c) => catalog.guard((ctx: EvaluationContext) => (ctx.window.opensAt === undefined ? pending(NOT_OPEN) : c(ctx)))),
  });

  function finalState(ctx: EvaluationContext, track: StateTrack, want: string, holdMs: number | undefined): Outcome {
    const cur = track.current();
    const seen = path(track.visitsFrom(ctx.window.opensAt as number));
    if (ctx.window.closed) {
      if (!cur) return failed(`no state of ${system} was observed from ${from}, expected it to end ${want}`, [], true);
      if (cur.state !== want) return failed(`${system} ended ${cur.state}, expected ${want} (seen: ${seen})`, [cur.seq]);
      const heldFor = (ctx.window.closesAt as number) - Math.max(cur.enteredAt, lastFaultEnd(ctx));
      if (holdMs !== undefined && heldFor < holdMs)
        return failed(
          `${system} reached ${want} at ${at(ctx, cur.enteredAt)} but the window closed after ${formatMs(heldFor)} of the ${formatMs(holdMs)} hold (raise window.settle or window.after)`,
          [cur.seq],
          true,
        );
      return passed(`${system} ended ${want} (seen: ${seen})`, [cur.seq]);
    }
    const active = ctx.faults.find((f) => f.endedAt === undefined);
    if (active) return pending(`fault ${active.id} to end before judging ${system}'s final state (now ${cur?.state ?? 'unknown'})`);
    if (cur?.state !== want) return pending(`${system} to reach ${want} (now ${cur?.state ?? 'unknown'}; seen: ${seen})`, cur ? [cur.seq] : []);
    const since = Math.max(cur.enteredAt, lastFaultEnd(ctx));
    if (holdMs !== undefined && ctx.clock.now() - since < holdMs)
      return pending(`${system} to hold ${want} until ${at(ctx, since + holdMs)} (reached ${at(ctx, cur.enteredAt)})`, [cur.seq], since + holdMs);
    return passed(`${system} reached ${want}${holdMs ? ` and held it ${formatMs(holdMs)}` : ''} (seen: ${seen})`, [cur.seq], true);
  }

  function sequence(ctx: EvaluationContext, track: StateTrack, want: readonly string[], strict: boolean): Outcome {
    const seen = track.visitsFrom(ctx.window.opensAt as number);
    const wanted = want.join(' → ');
    if (!strict) {
      const matched = isSubsequence(want, seen);
      if (matched) return passed(`${system} went ${wanted} (seen: ${path(seen)})`, matched.map((v) => v.seq));
      if (ctx.window.closed) return failed(`${system} did not go ${wanted}: saw ${path(seen)}`, visitEvidence(seen), true);
      return pending(`${system} to go ${wanted} (seen so far: ${path(seen)})`, visitEvidence(seen));
    }
    const diverge = seen.findIndex((v, i) => v.state !== want[i]);
    if (diverge !== -1)
      return failed(`${system} went ${path(seen)}, expected exactly ${wanted} (state ${diverge + 1} was ${seen[diverge]?.state})`, visitEvidence(seen));
    if (seen.length === want.length) return passed(`${system} went exactly ${wanted}`, visitEvidence(seen), !ctx.window.closed);
    if (ctx.window.closed) return failed(`${system} went only ${path(seen)}, expected exactly ${wanted}`, visitEvidence(seen), true);
    return pending(`${system} to go exactly ${wanted} (seen so far: ${path(seen)})`, visitEvidence(seen));
  }

  function illegalStates(ctx: EvaluationContext, track: StateTrack, illegal: readonly string[]): Outcome {
    const seen = track.visitsFrom(ctx.window.opensAt as number);
    const bad = seen.filter((v) => illegal.includes(v.state));
    if (bad.length) return failed(`${system} entered illegal state ${bad.map((v) => `${v.state} at ${at(ctx, v.enteredAt)}`).join(', ')} (seen: ${path(seen)})`, bad.map((v) => v.seq));
    if (ctx.window.closed) {
      if (!seen.length) return failed(`no state of ${system} was observed from ${from}`, [], true);
      return passed(`${system} never entered ${illegal.join(', ')} (seen: ${path(seen)})`, visitEvidence(seen));
    }
    return pending(`the window to close (${system} has not entered ${illegal.join(', ')} so far)`, visitEvidence(seen));
  }

  function reachedWithin(ctx: EvaluationContext, track: StateTrack, state: string, within: Within): Outcome {
    const anchor = resolveAnchor(ctx, within, system);
    if (anchor.kind === 'none') return errored(anchor.why);
    if (anchor.kind === 'waiting') return pending(anchor.why);
    const hit = track.visits.find((v) => v.state === state && v.enteredAt <= anchor.deadline && (v.leftAt ?? Number.POSITIVE_INFINITY) >= anchor.from);
    if (hit) return passed(`${system} was ${state} at ${at(ctx, Math.max(hit.enteredAt, anchor.from))}, ${anchor.label}`, [hit.seq]);
    if (ctx.clock.now() > anchor.deadline || ctx.window.closed) {
      const atDeadline = [...track.visits].reverse().find((v) => v.enteredAt <= anchor.deadline);
      const later = track.visits.find((v) => v.state === state && v.enteredAt > anchor.deadline);
      return failed(
        `${system} did not reach ${state} ${anchor.label}: it was ${atDeadline?.state ?? 'unknown'} at the deadline ${at(ctx, anchor.deadline)}` +
          (later ? `; reached it ${formatMs(later.enteredAt - anchor.from)} after, at ${at(ctx, later.enteredAt)}` : ''),
        [...(atDeadline ? [atDeadline.seq] : []), ...(later ? [later.seq] : [])],
        !later,
      );
    }
    return pending(`${system} to reach ${state} by ${at(ctx, anchor.deadline)}`, undefined, anchor.deadline + 1);
  }

  function visitsOf(ctx: EvaluationContext, track: StateTrack, state: string) {
    const opens = ctx.window.opensAt as number;
    return track.visitsFrom(opens).filter((v) => v.state === state).map((v) => ({ v, ms: (v.leftAt ?? ctx.clock.now()) - Math.max(v.enteredAt, opens) }));
  }

  function maxDuration(ctx: EvaluationContext, track: StateTrack, state: string, max: number): Outcome {
    const visits = visitsOf(ctx, track, state);
    const long = visits.find((x) => x.ms > max);
    if (long)
      return failed(
        `${system} stayed ${state} ${long.v.leftAt === undefined ? 'for more than' : 'for'} ${formatMs(long.ms)} (from ${at(ctx, long.v.enteredAt)}), more than ${formatMs(max)}`,
        visitEvidence([long.v]),
      );
    if (ctx.window.closed) return passed(`${system} never stayed ${state} longer than ${formatMs(max)} (${visits.map((x) => formatMs(x.ms)).join(', ') || 'never entered'})`, visitEvidence(visits.map((x) => x.v)));
    return pending(`the window to close (${system} has not stayed ${state} longer than ${formatMs(max)} so far)`);
  }

  function minDuration(ctx: EvaluationContext, track: StateTrack, state: string, min: number): Outcome {
    const visits = visitsOf(ctx, track, state);
    const short = visits.find((x) => x.v.leftAt !== undefined && x.ms < min);
    if (short) return failed(`${system} stayed ${state} only ${formatMs(short.ms)} (from ${at(ctx, short.v.enteredAt)}), less than ${formatMs(min)}`, visitEvidence([short.v]));
    if (!ctx.window.closed) return pending(`the window to close (${system}'s visits to ${state} so far: ${visits.length})`);
    if (!visits.length) return failed(`${system} never entered ${state} (seen: ${path(track.visitsFrom(ctx.window.opensAt as number))})`, [], true);
    return passed(`${system} stayed ${state} at least ${formatMs(min)} each time (${visits.map((x) => formatMs(x.ms)).join(', ')})`, visitEvidence(visits.map((x) => x.v)));
  }

  function agree(ctx: EvaluationContext, api: StateTrack, kafka: StateTrack): Outcome {
    if (!ctx.window.closed) return pending('the window to close to compare the api and kafka views');
    const opens = ctx.window.opensAt as number;
    const a = api.visitsFrom(opens);
    const k = kafka.visitsFrom(opens);
    const gaps = kafka.gaps.filter((g) => (kafka.observations.find((o) => o.seq === g.seq)?.receivedAt ?? 0) >= opens);
    const evidence = [...visitEvidence(a), ...visitEvidence(k)];
    if (gaps.length)
      return failed(
        `kafka skipped a transition of ${system}: ${gaps.map((g) => `after ${g.expected} the next STATE_CHANGED came from ${g.got} (#${g.seq})`).join('; ')}`,
        [...gaps.map((g) => g.seq), ...evidence],
      );
    // The api observer samples by polling, so it may miss a short state; kafka sees every transition. So the
    // api's states must appear in kafka's, in order, and both must end in the same state.
    if (!a.length && !k.length) return failed(`neither api nor kafka showed a state of ${system}`, [], true);
    // No STATE_CHANGED at all agrees with an api that saw one unchanging state.
    const consistent = k.length
      ? isSubsequence(a.map((v) => v.state), k) !== undefined && a.at(-1)?.state === k.at(-1)?.state
      : a.length === 1;
    if (!consistent) return failed(`api and kafka disagree on ${system}: api saw ${path(a)}, kafka saw ${path(k)}`, evidence, !a.length || !k.length);
    return passed(`api and kafka agree on ${system}: ${path(k)}`, evidence);
  }
}

function lastFaultEnd(ctx: EvaluationContext): number {
  return Math.max(Number.NEGATIVE_INFINITY, ...ctx.faults.map((f) => f.endedAt ?? Number.NEGATIVE_INFINITY));
}
