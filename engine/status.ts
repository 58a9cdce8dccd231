import type { LoggedProblem } from './log/index.js';

/** The dashboard's (and the tray's) summary of the running engine: `GET /api/status`. */
export interface EngineStatus {
  ok: boolean;
  version: string;
  /** ISO 8601. */
  startedAt: string;
  uptimeSeconds: number;
  /** Address phones use, and the ports they reach. */
  advertise: string;
  sipPort: number;
  httpPort: number;
  /** The first-run wizard chose another address; it applies from the next start. */
  advertisePending: string | null;
  listeners: Record<string, string>;
  users: number;
  /** Extensions with at least one registered phone. */
  registeredUsers: number;
  /** Registered contacts (phones), all extensions together. */
  registeredPhones: number;
  callsInProgress: number;
  /** Call attempts that started since local midnight. */
  callsToday: number;
  media: {
    relay: 'builtin' | 'rtpengine' | 'off';
    rtpPorts: string;
    /**
     * The built-in relay's forwarding threads: at real-time priority, at normal priority, or at normal
     * priority because the system refused real-time (`--relay-realtime`); null for rtpengine or no relay.
     */
    priority: 'realtime' | 'normal' | 'refused' | null;
  };
  /** Errors logged since start. */
  errors: number;
  /** The latest warnings and errors, newest first. */
  problems: LoggedProblem[];
}

/** Local midnight of the day `now` falls in, in epoch milliseconds. */
export function startOfLocalDay(now = Date.now()): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
