import { PLUGIN_API_VERSION, definePlugin, type TesterPlugin } from '@tester/core';
import { KAFKA_PLUGIN_NAME, parseKafkaConfig, type KafkaConfig, type KafkaPluginOptions } from './config';
import { startKafkaObserver } from './observer';
import { publishAction } from './publish-action';

/**
 * The Kafka plugin: an `event` observer (source `kafka`) over the configured topics, and the `KAFKA_PUBLISH`
 * action. Options are parsed once, here: a bad option throws `CONFIG_INVALID` naming it, and every hook reads the
 * result as `ctx.config`.
 *
 * @example
 * ```ts
 * kafkaPlugin({ brokers: '127.0.0.1:9092', topics: ['control-plane.events'], maxBlind: '10s' })
 * ```
 */
export function kafkaPlugin(options: KafkaPluginOptions = {}): TesterPlugin<KafkaConfig> {
  return definePlugin({
    name: KAFKA_PLUGIN_NAME,
    apiVersion: PLUGIN_API_VERSION,
    options: parseKafkaConfig(options),
    observers: {
      kafka: {
        source: 'kafka',
        // One consumer per process, whatever the concurrency: the group join and the fetches are not repeated per
        // scenario. A states topic's previous state is then known across scenarios of the process (a view starts
        // after its join, so it never sees records from before it).
        share: 'stream',
        start: (ctx) => startKafkaObserver(ctx, ctx.config),
      },
    },
    actions: { KAFKA_PUBLISH: publishAction() },
  });
}
