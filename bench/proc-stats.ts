// Process figures from /proc (Linux): resident memory and CPU time, for one process or a process tree.
import fs from 'node:fs';

/** VmRSS of a process in bytes, or undefined when it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

interface ProcStat {
  ppid: number;
  state: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after its closing one.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const s = readStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** The process and its direct children (Kamailio's workers are children of its main process). */
function treePids(pid: number): number[] {
  const pids = [pid];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const child = Number(name);
    if (child !== pid && readStat(child)?.ppid === pid) pids.push(child);
  }
  return pids;
}

/** Clock ticks per second for /proc/PID/stat: 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * A snapshot of the CPU seconds used so far by `pid` and (with `tree`) its direct children. The children
 * are listed at snapshot time, so take snapshots while the same children live (around one load run).
 */
export function cpuSeconds(pid: number, tree = false): number {
  const pids = tree ? treePids(pid) : [pid];
  let ticks = 0;
  for (const p of pids) ticks += readStat(p)?.ticks ?? 0;
  return ticks / TICKS_PER_SECOND;
}
