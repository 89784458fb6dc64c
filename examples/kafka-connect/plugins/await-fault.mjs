// A small third-party plugin of this example: the action AWAIT_FAULT_END, which waits until the fault injected by an
// earlier action has ended. tester runs actions one after the other, and a fault action returns as soon as its
// fault is in place (the fault ends at its own deadline), so without it a "repair" action such as Connect's REST
// restart would run while the database is still unreachable, and fail again.
//
//   - id: db-down
//     type: PROXY_DOWN
//     ...
//   - type: AWAIT_FAULT_END
//     fault: db-down        # the action id of the fault
//     timeout: 30s          # the longest it waits (default 60s)
//
// It is event-driven (the run's timeline says when the fault ended), never a sleep. It depends on @tester/core only.
import { definePlugin, durationSchema, ErrorCodes, ObservationKinds, PLUGIN_API_VERSION, TesterError, z } from '@tester/core';

const schema = z.strictObject({
  /** The `id` of the earlier action whose fault to wait for. */
  fault: z.string().min(1),
  /** The longest wait; then the action fails. @default 60s */
  timeout: durationSchema.optional(),
});

export default definePlugin({
  name: 'await-fault-end',
  apiVersion: PLUGIN_API_VERSION,
  actions: {
    AWAIT_FAULT_END: {
      description: 'Waits until the fault injected by an earlier action (by its id) has ended.',
      schema,
      async run(ctx, params) {
        const { fault, timeout = 60_000 } = /** @type {z.output<typeof schema>} */ (params);
        const started = ctx.timeline.query({ kind: ObservationKinds.faultStarted }).filter((o) => o.data?.actionId === fault);
        if (started.length === 0) {
          const known = [...new Set(ctx.timeline.query({ kind: ObservationKinds.faultStarted }).map((o) => o.data?.actionId))];
          throw new TesterError(
            ErrorCodes.ACTION_FAILED,
            `AWAIT_FAULT_END: no fault was started by an action with id "${fault}" (faults so far: ${known.length ? known.join(', ') : 'none'}); name the id of an earlier fault action.`,
          );
        }
        const deadline = new AbortController();
        // The run's clock (not a timer of our own): a manual clock in tests advances it.
        void ctx.clock.until(ctx.clock.now() + timeout, AbortSignal.any([ctx.signal, deadline.signal])).then(
          () => deadline.abort(new TesterError(ErrorCodes.ACTION_FAILED, `AWAIT_FAULT_END: the fault of "${fault}" had not ended after ${timeout} ms`)),
          () => undefined,
        );
        try {
          const ended = await ctx.timeline.waitFor((o) => o.data?.actionId === fault, {
            query: { kind: ObservationKinds.faultEnded },
            signal: AbortSignal.any([ctx.signal, deadline.signal]),
          });
          return { summary: `the fault of ${fault} (${ended.data?.fault} on ${ended.subject}) ended` };
        } finally {
          deadline.abort();
        }
      },
    },
  },
});
