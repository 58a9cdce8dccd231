import { spawnSync } from 'node:child_process';

/**
 * Whether this system lets this process run a thread at SCHED_RR `priority`, asked of chrt (util-linux),
 * not of the code under test: root, CAP_SYS_NICE or RLIMIT_RTPRIO decide, and a container may take it away.
 */
export function realtimeAllowed(priority: number): boolean {
  return spawnSync('chrt', ['-r', String(priority), 'true']).status === 0;
}
