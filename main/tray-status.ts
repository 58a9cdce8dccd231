import type { TrayStatus } from './engine-link.js';

export type TrayState = 'starting' | 'running' | 'error';

/** What the tray shows for one status reading: the icon's state, the menu's status line, the tooltip. */
export interface TrayView {
  state: TrayState;
  /** The first, disabled line of the tray menu. */
  label: string;
  /** The tray icon's tooltip (several lines). */
  tooltip: string;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The tray's words for the engine's status, or for the error that kept it from answering. */
export function trayView(reading: TrayStatus | Error | 'starting'): TrayView {
  if (reading === 'starting')
    return { state: 'starting', label: 'Starting…', tooltip: 'OfficePBX: starting' };
  if (reading instanceof Error)
    return {
      state: 'error',
      label: 'Error: the phone system does not answer',
      tooltip: `OfficePBX: error\n${reading.message}`,
    };
  const phones = `${plural(reading.registeredPhones, 'phone', 'phones')} registered (${reading.registeredUsers} of ${plural(reading.users, 'user', 'users')})`;
  const lines = [phones];
  if (reading.callsInProgress > 0)
    lines.push(`${plural(reading.callsInProgress, 'call', 'calls')} in progress`);
  if (reading.errors > 0)
    lines.push(`${plural(reading.errors, 'error', 'errors')} logged: see the console's status`);
  if (!reading.ok)
    return {
      state: 'error',
      label: 'Error: not every listener is up',
      tooltip: ['OfficePBX: error, not every listener is up', ...lines].join('\n'),
    };
  return {
    state: 'running',
    label: `Running: ${phones}`,
    tooltip: ['OfficePBX: running', ...lines].join('\n'),
  };
}
