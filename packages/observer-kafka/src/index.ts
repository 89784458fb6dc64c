/**
 * `@tester/observer-kafka`: the factory and its options type, and the types of what a custom `decoder`, a states
 * topic and `KAFKA_PUBLISH` hand over.
 */
export { kafkaPlugin } from './plugin';
export { KAFKA_PLUGIN_NAME, type KafkaConfig, type KafkaPluginOptions } from './config';
export { jsonDecoder, type EventDecoder, type KafkaMessageInfo } from './decode';
export type { TopicEntry, TopicPlan } from './mapping/topics';
export type { MappingInput } from './mapping/decode';
export type { StateChangePayload, TopicStateData } from './mapping/observations';
export type { PresetName, CloudEventsSystem } from './mapping/presets';
export { RUN_HEADER, type PublishParams } from './publish-action';
