// The SIP message layer (RFC 3261 §7, §19, §20, §25): grammar, parsing, framing, serialization.
export * from './sip-message.js';
export * from './header-names.js';
export * from './header-list.js';
export * from './grammar.js';
export * from './uri.js';
export * from './name-addr.js';
export * from './via.js';
export * from './cseq.js';
export * from './parser.js';
