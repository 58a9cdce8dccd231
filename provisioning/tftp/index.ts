// TFTP (RFC 1350, 2347, 2348, 2349): read-only provisioning transfers.
export * from './tftp-packet.js';
export * from './tftp-file.js';
export * from './tftp-transfer.js';
export * from './tftp-server.js';
