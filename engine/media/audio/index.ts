// Audio for the media applications: G.711, sample-rate conversion, WAV files.
export * from './g711.js';
export * from './resampler.js';
export * from './wav-file.js';
export * from './wav-writer.js';
export * from './audio-codec.js';
