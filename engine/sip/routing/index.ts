export * from './dial-plan.js';
