export * from './segments.js';
export * from './webhooks.js';
