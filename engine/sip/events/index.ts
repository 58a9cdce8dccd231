export * from './local-event-server.js';
export * from './message-summary.js';
export * from './message-waiting.js';
export * from './mwi-notifier.js';
export * from './subscription.js';
export * from './subscription-options.js';
export * from './unsolicited-mwi.js';
