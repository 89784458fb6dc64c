import { ErrorCodes, TesterError, z, type ActionContext, type ActionDefinition } from '@tester/core';
import { createKafka } from './client';
import type { KafkaConfig } from './config';
import { describeError } from './errors';

/** Header carrying the run id on every published record, so the system under test can correlate it. */
export const RUN_HEADER = 'x-tester-run';

/** The `KAFKA_PUBLISH` action's fields (besides `type` and `id`). */
export const publishSchema = z.strictObject({
  /** Topic to publish to. @default the first configured topic */
  topic: z.string().min(1).optional(),
  /** Record key (the control plane keys its events by system id). */
  key: z.string().optional(),
  /** Record value: a string is sent as is, anything else as JSON. */
  value: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown()), z.number(), z.boolean()]),
  /** Extra headers; `x-tester-run` is always added. */
  headers: z.record(z.string(), z.string()).optional(),
});

export type PublishParams = z.output<typeof publishSchema>;

/**
 * `KAFKA_PUBLISH`: produces one record (acks from all in-sync replicas) and reports where it landed.
 * There is nothing to roll back: a published record cannot be unpublished.
 */
export function publishAction(): ActionDefinition<PublishParams, KafkaConfig> {
  return {
    schema: publishSchema,
    description: 'Publish one record to a Kafka topic (value object -> JSON), with the x-tester-run header.',
    systems: () => [],
    async run(ctx: ActionContext<KafkaConfig>, params: PublishParams) {
      const { config } = ctx;
      const topic = params.topic ?? config.topics[0];
      if (!topic) throw new TesterError(ErrorCodes.ACTION_FAILED, `${ctx.actionId} KAFKA_PUBLISH: no topic; set "topic"`);
      const value = typeof params.value === 'string' ? params.value : JSON.stringify(params.value);
      const producer = (await createKafka(config, ctx, 'publisher')).producer({ allowAutoTopicCreation: false });
      try {
        await producer.connect();
        const [meta] = await producer.send({
          topic,
          acks: -1,
          messages: [{ key: params.key ?? null, value, headers: { ...params.headers, [RUN_HEADER]: ctx.runId } }],
        });
        const where = meta ? `${topic}[${meta.partition}]@${meta.baseOffset ?? '?'}` : topic;
        return { summary: `published ${value.length} bytes to ${where}` };
      } catch (error) {
        throw new TesterError(
          ErrorCodes.ACTION_FAILED,
          `${ctx.actionId} KAFKA_PUBLISH to ${topic} at ${config.brokers.join(',')}: ${describeError(error)}; ` +
            'check that the broker is reachable and the topic exists',
          { cause: error },
        );
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    },
  };
}
