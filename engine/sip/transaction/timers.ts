/** RFC 3261 §17 / Table 4 timer values (milliseconds). */
export const T1 = 500;
export const T2 = 4000;
export const T4 = 5000;
/** Timers B, F, H, J, L, M: 64*T1. */
export const TIMEOUT_64T1 = 64 * T1;
/** Timer D: at least 32 s for unreliable transports. */
export const TIMER_D = 32_000;
/** Timer C (§16.6 step 11): a proxy gives up on an INVITE branch that rang this long. */
export const TIMER_C = 180_000;
