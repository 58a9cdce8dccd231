export * from './flow.js';
export * from './transport.js';
export * from './udp-transport.js';
export * from './tcp-transport.js';
export * from './ws-transport.js';
export * from './transport-layer.js';
export * from './overload-monitor.js';
