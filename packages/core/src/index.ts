export * from './contract';
export * from './observation';
export type * from './clock';
export type * from './logger';
export type * from './timeline-types';
export { z } from 'zod';
