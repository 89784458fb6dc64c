export { kafkaPlugin, KAFKA_PLUGIN_NAME } from './plugin';
export { kafkaConfigSchema, parseKafkaConfig, type KafkaConfig, type KafkaPluginOptions } from './config';
export { jsonDecoder, toObservation, type EventDecoder, type KafkaMessageInfo } from './decode';
export { publishSchema, RUN_HEADER, type PublishParams } from './publish-action';
export { KafkaPluginError, type KafkaErrorCode } from './errors';
