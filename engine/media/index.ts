export * from './relay-driver.js';
export * from './relay/index.js';
export * from './sdp/index.js';
