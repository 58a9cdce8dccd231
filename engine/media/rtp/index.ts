// RTP for the media applications: packets, RFC 4733 events, the frame clock, a session's sockets.
export * from './rtp-packet.js';
export * from './telephone-event.js';
export * from './frame-clock.js';
export * from './rtp-session.js';
