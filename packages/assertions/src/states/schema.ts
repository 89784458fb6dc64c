import { z } from '@tester/core';
import { sourcesSchema } from '../common/sources';
import { stateWithinSchema } from '../common/anchor';
import { durationSchema } from '../common/duration';

const stateName = z.string({ error: 'expected a state name such as "CONNECTED"' }).min(1, 'expected a state name such as "CONNECTED"');
const CHECK_KEYS = ['final_state', 'sequence', 'illegal_states', 'within', 'min_duration', 'max_duration'] as const;

/** One item of `expectations.states`. */
export const statesItemSchema = z
  .strictObject({
    system: z.string({ error: 'expected the system id, e.g. "mysql"' }).min(1).describe('the system whose state is checked'),
    sources: sourcesSchema(
      'where states are read: each named source\'s system.state observations and STATE_CHANGED events (default: every source that records system.state); two or more must also agree on the transitions',
    ),
    final_state: stateName.optional().describe('the state the system ends in when the window closes'),
    hold: durationSchema.optional().describe('with final_state: how long the final state must be kept'),
    sequence: z.array(stateName).min(1, 'expected at least one state').optional().describe('states gone through, in order'),
    strict: z.boolean().optional().describe('with sequence: exactly these states and no others (default false: a subsequence)'),
    illegal_states: z.array(stateName).min(1, 'expected at least one state').optional().describe('states never entered'),
    within: stateWithinSchema.optional().describe('the state (default final_state) is reached within a time of the fault'),
    min_duration: z.record(stateName, durationSchema).optional().describe('state -> each visit lasts at least this long'),
    max_duration: z.record(stateName, durationSchema).optional().describe('state -> no visit lasts longer'),
  })
  .superRefine((item, ctx) => {
    const agreement = (item.sources?.length ?? 0) >= 2;
    if (!agreement && !CHECK_KEYS.some((k) => item[k] !== undefined))
      ctx.addIssue({ code: 'custom', message: `nothing to check: add one of ${CHECK_KEYS.join(', ')} (or sources: [api, kafka])` });
    if (item.sources && new Set(item.sources).size !== item.sources.length) ctx.addIssue({ code: 'custom', path: ['sources'], message: 'a source is listed twice' });
    if (item.hold !== undefined && item.final_state === undefined)
      ctx.addIssue({ code: 'custom', path: ['hold'], message: 'hold applies to final_state: add final_state, or remove hold' });
    if (item.strict !== undefined && item.sequence === undefined)
      ctx.addIssue({ code: 'custom', path: ['strict'], message: 'strict applies to sequence: add sequence, or remove strict' });
    if (item.within && item.within.state === undefined && item.final_state === undefined)
      ctx.addIssue({ code: 'custom', path: ['within'], message: 'within needs a state: write within: { state: CONNECTED, ... } or add final_state' });
  });

/** A parsed `states` item (durations in milliseconds). */
export type StatesItem = z.output<typeof statesItemSchema>;
