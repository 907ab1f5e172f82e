export * from './segments.js';
export * from './webhooks.js';
export * from './sweeps.js';
