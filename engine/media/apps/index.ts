// Media applications (issue 6): a SIP media endpoint with a script API, prompts and number read-out.
export * from './app-call.js';
export * from './media-endpoint.js';
export * from './prompt-library.js';
export * from './say-english.js';
export * from './session-description.js';
