import { PLUGIN_API_VERSION, definePlugin, type TesterPlugin } from '@tester/core';
import { kafkaConfigSchema, parseKafkaConfig, type KafkaConfig, type KafkaPluginOptions } from './config';
import { startKafkaObserver } from './observer';
import { publishAction } from './publish-action';

/** The plugin's package name, shown in every error from its hooks. */
export const KAFKA_PLUGIN_NAME = '@tester/observer-kafka';

/**
 * The Kafka plugin: an `event` observer (source `kafka`) over the configured topics, and the
 * `KAFKA_PUBLISH` action. Options are validated at once; a bad option throws `CONFIG_INVALID` naming it.
 *
 * @example
 * ```ts
 * kafkaPlugin({ brokers: '127.0.0.1:9092', topics: ['control-plane.events'], maxBlindMs: '10s' })
 * ```
 */
export function kafkaPlugin(options: KafkaPluginOptions = {}): TesterPlugin<KafkaConfig> {
  const parsed = parseKafkaConfig(options);
  // The runtime hands the parsed config block in ctx.config; options given to the factory are the fallback.
  const configOf = (config: unknown): KafkaConfig =>
    config === undefined || config === parsed ? parsed : parseKafkaConfig(config, 'kafka config');
  return definePlugin<KafkaConfig>({
    name: KAFKA_PLUGIN_NAME,
    apiVersion: PLUGIN_API_VERSION,
    config: kafkaConfigSchema,
    options: parsed,
    observers: {
      kafka: {
        source: 'kafka',
        // One consumer per process, whatever the concurrency: the group join and the fetches are not repeated per
        // scenario. A states topic's previous state is then known across scenarios of the process (a view starts
        // after its join, so it never sees records from before it).
        share: 'stream',
        start: (ctx) => startKafkaObserver(ctx, configOf(ctx.config)),
      },
    },
    actions: { KAFKA_PUBLISH: publishAction(parsed) },
  });
}
