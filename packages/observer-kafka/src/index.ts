export { kafkaPlugin, KAFKA_PLUGIN_NAME } from './plugin';
export { kafkaConfigSchema, parseKafkaConfig, type KafkaConfig, type KafkaPluginOptions } from './config';
export { jsonDecoder, toObservation, type EventDecoder, type KafkaMessageInfo } from './decode';
export type { TopicEntry, TopicPlan } from './mapping/topics';
export type { MappingInput } from './mapping/decode';
export type { StateChangePayload, TopicStateData } from './mapping/observations';
export type { PresetName, CloudEventsSystem } from './mapping/presets';
export { publishSchema, RUN_HEADER, type PublishParams } from './publish-action';
export { KafkaPluginError, type KafkaErrorCode } from './errors';
