export * from './anchor-sdp.js';
export * from './parse-sdp.js';
export * from './payload-types.js';
export * from './sdp-stream.js';
