import os from 'node:os';
import path from 'node:path';
import type { LogLevel } from '../log/index.js';
import { isLogLevel } from '../log/index.js';
import { isTimeZone } from '../../provisioning/time-zone.js';

/** Everything the engine needs to start. Flags and `PBX_*` variables map onto it (see README). */
export interface EngineConfig {
  dataDir: string;
  bind: string;
  advertise: string;
  /** True when no flag or variable named the address (the first-run choice may then apply). */
  advertiseIsDefault?: boolean;
  sipPort: number;
  sipsPort: number;
  httpPort: number;
  rtpPortMin: number;
  rtpPortMax: number;
  tftpPort: number;
  provPort: number;
  /** SIP multicast plug-and-play (224.0.1.75) on the advertised address's interface. */
  pnp: boolean;
  pnpPort: number;
  /** Minutes a newly assigned phone may fetch its SIP passwords without its HTTP credentials (0 = always). */
  provWindow: number;
  /** IANA time zone written into phone configurations. */
  timeZone: string;
  adminPassword: string | undefined;
  logLevel: LogLevel;
  sipTrace: boolean;
  /** SIP domain/realm used in digest challenges. Defaults to the advertised address. */
  realm: string;
  /** Digest algorithms offered in challenges, most preferred first. */
  digestAlgorithms: Array<'MD5' | 'SHA-256'>;
  /** Failed authentications from one source address before it is slowed down. */
  authFailSlowAfter: number;
  /** Failed authentications from one source address before it is blocked. */
  authFailBlockAfter: number;
  /** Seconds a blocked address stays blocked. */
  authBlockSeconds: number;
  /** Seconds between keep-alive OPTIONS to each registered contact (0 = off). */
  qualifyInterval: number;
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  /** 'builtin' (default), 'rtpengine' (needs rtpengine addresses) or 'off' (media goes phone to phone). */
  mediaRelay: 'builtin' | 'rtpengine' | 'off';
  /** rtpengine ng control addresses, host:port, comma-separated. */
  rtpengine: string;
  /** Seconds without media in either direction before a call is ended (0 = never). */
  mediaTimeout: number;
  /** Forwarding threads of the built-in relay (0 = automatic: one native thread, else one worker per core). */
  relayWorkers: number;
  /** SCHED_RR priority of the native relay's forwarding threads, 0 = normal scheduling. */
  relayRealtime: number;
  /** Drop packets from any other source once a phone's media source is latched. */
  mediaStrictSource: boolean;
  /** Recent calls whose SIP messages are kept for the console's ladder diagram (0 = none). */
  callTraceCalls: number;
  /** Event-loop lag (ms) past which new out-of-dialog requests get 503 (0 = never for lag). */
  overloadMaxLag: number;
  /** Server transactions in progress (no final response yet) past which new out-of-dialog requests get 503 (0 = no limit). */
  overloadMaxTransactions: number;
  /** Retry-After (seconds) of those 503s. */
  overloadRetryAfter: number;
  /** SIP (UDP) port of the media applications' endpoint; 0 = any free port (the proxy learns it in-process). */
  appsSipPort: number;
  /** RTP port range of the media applications (voicemail, auto-attendant). */
  appsRtpPortMin: number;
  appsRtpPortMax: number;
}

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface FlagSpec {
  flag: string;
  key: keyof EngineConfig;
  /** For a range: the key of its upper end (default rtpPortMax). */
  maxKey?: keyof EngineConfig;
  kind:
    'string' | 'port' | 'int' | 'priority' | 'bool' | 'range' | 'level' | 'algorithms' | 'relay' | 'timezone';
  help: string;
}

/** The flag table; the README's table is written from the same list (`serve --help`). */
export const FLAGS: readonly FlagSpec[] = [
  { flag: 'data-dir', key: 'dataDir', kind: 'string', help: 'database, recordings, generated configs' },
  { flag: 'bind', key: 'bind', kind: 'string', help: 'address to listen on (default 0.0.0.0)' },
  { flag: 'advertise', key: 'advertise', kind: 'string', help: 'address phones use to reach the PBX' },
  { flag: 'sip-port', key: 'sipPort', kind: 'port', help: 'SIP over UDP and TCP (default 5060)' },
  { flag: 'sips-port', key: 'sipsPort', kind: 'port', help: 'SIP over TLS (default 5061)' },
  {
    flag: 'http-port',
    key: 'httpPort',
    kind: 'port',
    help: 'console, REST API, SIP over WebSocket at /ws (default 8080)',
  },
  {
    flag: 'rtp-ports',
    key: 'rtpPortMin',
    kind: 'range',
    help: 'media relay port range A-B (default 10000-20000)',
  },
  { flag: 'tftp-port', key: 'tftpPort', kind: 'port', help: 'TFTP provisioning (default 69)' },
  { flag: 'prov-port', key: 'provPort', kind: 'port', help: 'HTTP provisioning (default 8090)' },
  {
    flag: 'pnp',
    key: 'pnp',
    kind: 'bool',
    help: 'answer SIP multicast plug-and-play on 224.0.1.75 (default on)',
  },
  { flag: 'pnp-port', key: 'pnpPort', kind: 'port', help: 'UDP port of SIP plug-and-play (default 5060)' },
  {
    flag: 'prov-window',
    key: 'provWindow',
    kind: 'int',
    help: 'minutes a newly assigned phone may fetch its passwords without HTTP credentials, 0 = always (default 60)',
  },
  {
    flag: 'time-zone',
    key: 'timeZone',
    kind: 'timezone',
    help: "phones' time zone, e.g. Europe/Berlin (default: this PC's)",
  },
  {
    flag: 'admin-password',
    key: 'adminPassword',
    kind: 'string',
    help: 'console/API admin password on first run',
  },
  {
    flag: 'log-level',
    key: 'logLevel',
    kind: 'level',
    help: 'debug, info, warn, error or silent (default info)',
  },
  { flag: 'sip-trace', key: 'sipTrace', kind: 'bool', help: 'log every SIP message sent and received' },
  {
    flag: 'realm',
    key: 'realm',
    kind: 'string',
    help: 'digest realm / SIP domain (default: the advertised address)',
  },
  {
    flag: 'digest-algorithms',
    key: 'digestAlgorithms',
    kind: 'algorithms',
    help: 'digest algorithms offered, in order: MD5, SHA-256 or both, comma-separated (default MD5)',
  },
  {
    flag: 'auth-fail-slow',
    key: 'authFailSlowAfter',
    kind: 'int',
    help: 'failed logins from one address before replies are delayed (default 5)',
  },
  {
    flag: 'auth-fail-block',
    key: 'authFailBlockAfter',
    kind: 'int',
    help: 'failed logins from one address before it is blocked (default 20)',
  },
  {
    flag: 'auth-block-seconds',
    key: 'authBlockSeconds',
    kind: 'int',
    help: 'how long a blocked address stays blocked (default 600)',
  },
  {
    flag: 'qualify-interval',
    key: 'qualifyInterval',
    kind: 'int',
    help: 'seconds between keep-alive OPTIONS to contacts, 0 = off (default 30)',
  },
  {
    flag: 'media-relay',
    key: 'mediaRelay',
    kind: 'relay',
    help: 'builtin, rtpengine or off: where call audio is relayed (default builtin)',
  },
  {
    flag: 'rtpengine',
    key: 'rtpengine',
    kind: 'string',
    help: 'rtpengine ng control address(es), host:port[,host:port]; implies --media-relay rtpengine',
  },
  {
    flag: 'media-timeout',
    key: 'mediaTimeout',
    kind: 'int',
    help: 'seconds without audio either way before a call is hung up, 0 = never (default 60)',
  },
  {
    flag: 'call-trace-calls',
    key: 'callTraceCalls',
    kind: 'int',
    help: "recent calls whose SIP messages the console's call detail shows, 0 = none (default 500)",
  },
  {
    flag: 'relay-workers',
    key: 'relayWorkers',
    kind: 'int',
    help: 'forwarding threads of the built-in relay, 0 = automatic: one native thread, or one worker per core without the addon (default 0)',
  },
  {
    flag: 'relay-realtime',
    key: 'relayRealtime',
    kind: 'priority',
    help: 'real-time priority (1-99) the relay asks for its forwarding threads, 0 = normal scheduling (default 10)',
  },
  {
    flag: 'media-strict-source',
    key: 'mediaStrictSource',
    kind: 'bool',
    help: 'ignore audio from any address but the latched one (default off)',
  },
  {
    flag: 'overload-max-lag',
    key: 'overloadMaxLag',
    kind: 'int',
    help: 'event-loop lag in ms past which new calls and registrations get 503, 0 = off (default 250)',
  },
  {
    flag: 'overload-max-transactions',
    key: 'overloadMaxTransactions',
    kind: 'int',
    help: 'SIP requests in progress (not answered yet) past which new calls and registrations get 503, 0 = off (default 10000)',
  },
  {
    flag: 'overload-retry-after',
    key: 'overloadRetryAfter',
    kind: 'int',
    help: 'seconds in the Retry-After of those 503s (default 5)',
  },
  {
    flag: 'apps-sip-port',
    key: 'appsSipPort',
    kind: 'port',
    help: 'SIP port of the media applications (voicemail, auto-attendant); 0 = any free port (default 0)',
  },
  {
    flag: 'apps-rtp-ports',
    key: 'appsRtpPortMin',
    maxKey: 'appsRtpPortMax',
    kind: 'range',
    help: 'RTP port range A-B of the media applications (default 21000-21999)',
  },
  {
    flag: 'min-expires',
    key: 'minExpires',
    kind: 'int',
    help: 'shortest registration or message-waiting subscription accepted, seconds (default 60)',
  },
  {
    flag: 'max-expires',
    key: 'maxExpires',
    kind: 'int',
    help: 'longest registration or message-waiting subscription granted, seconds (default 3600)',
  },
];

export function defaultDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'win32')
    return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'OfficePBX');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'OfficePBX');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'officepbx');
}

/** First non-internal IPv4 address, else loopback. */
export function firstLanIPv4(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function defaultConfig(): EngineConfig {
  return {
    dataDir: defaultDataDir(),
    bind: '0.0.0.0',
    advertise: '',
    sipPort: 5060,
    sipsPort: 5061,
    httpPort: 8080,
    rtpPortMin: 10000,
    rtpPortMax: 20000,
    tftpPort: 69,
    provPort: 8090,
    pnp: true,
    pnpPort: 5060,
    provWindow: 60,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    adminPassword: undefined,
    logLevel: 'info',
    sipTrace: false,
    realm: '',
    digestAlgorithms: ['MD5'],
    authFailSlowAfter: 5,
    authFailBlockAfter: 20,
    authBlockSeconds: 600,
    qualifyInterval: 30,
    minExpires: 60,
    maxExpires: 3600,
    defaultExpires: 3600,
    mediaRelay: 'builtin',
    rtpengine: '',
    mediaTimeout: 60,
    relayWorkers: 0,
    relayRealtime: 10,
    mediaStrictSource: false,
    callTraceCalls: 500,
    overloadMaxLag: 250,
    overloadMaxTransactions: 10000,
    overloadRetryAfter: 5,
    appsSipPort: 0,
    appsRtpPortMin: 21000,
    appsRtpPortMax: 21999,
  };
}

function envName(flag: string): string {
  return 'PBX_' + flag.toUpperCase().replace(/-/g, '_');
}

function applyValue(cfg: EngineConfig, spec: FlagSpec, raw: string, source: string): void {
  const fail = (why: string): never => {
    throw new ConfigError(spec.flag, `${source}: ${why}`);
  };
  const record = cfg as unknown as Record<string, unknown>;
  switch (spec.kind) {
    case 'string':
      if (raw === '') fail('must not be empty');
      record[spec.key] = raw;
      return;
    case 'bool':
      if (!/^(1|0|true|false|yes|no|on|off)$/i.test(raw)) fail(`"${raw}" is not true or false`);
      record[spec.key] = /^(1|true|yes|on)$/i.test(raw);
      return;
    case 'level':
      if (!isLogLevel(raw)) fail(`"${raw}" is not one of debug, info, warn, error, silent`);
      record[spec.key] = raw;
      return;
    case 'port':
    case 'int':
    case 'priority': {
      if (!/^\d+$/.test(raw)) fail(`"${raw}" is not a whole number`);
      const n = Number(raw);
      if (spec.kind === 'port' && (n < 0 || n > 65535)) fail(`${n} is not a port number (0-65535)`);
      if (spec.kind === 'priority' && n > 99) fail(`${n} is not 0 (off) or a priority from 1 to 99`);
      record[spec.key] = n;
      return;
    }
    case 'algorithms': {
      const list = raw.split(',').map((a) => a.trim().toUpperCase());
      if (list.length === 0 || list.some((a) => a !== 'MD5' && a !== 'SHA-256'))
        fail(`"${raw}" must list MD5 and/or SHA-256, comma-separated`);
      if (new Set(list).size !== list.length) fail(`"${raw}" names an algorithm twice`);
      cfg.digestAlgorithms = list as Array<'MD5' | 'SHA-256'>;
      return;
    }
    case 'timezone':
      if (!isTimeZone(raw)) fail(`"${raw}" is not a time zone name such as Europe/Berlin`);
      cfg.timeZone = raw;
      return;
    case 'relay':
      if (raw !== 'builtin' && raw !== 'rtpengine' && raw !== 'off')
        fail(`"${raw}" is not one of builtin, rtpengine, off`);
      cfg.mediaRelay = raw as EngineConfig['mediaRelay'];
      return;
    case 'range': {
      const m = /^(\d+)-(\d+)$/.exec(raw);
      if (!m) fail(`"${raw}" is not a range like 10000-20000`);
      const a = Number(m![1]);
      const b = Number(m![2]);
      const even = a % 2 === 0 ? a : a + 1; // RTP on even ports, RTCP on the next odd one
      if (a < 1024 || b > 65535 || even + 1 > b)
        fail(`${raw} must be A-B with 1024 <= A < B <= 65535, room for one RTP/RTCP pair at least`);
      record[spec.key] = even;
      record[spec.maxKey ?? 'rtpPortMax'] = b;
      return;
    }
  }
}

/** Builds the configuration from defaults, then `PBX_*` environment variables, then command-line flags. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const cfg = defaultConfig();
  for (const spec of FLAGS) {
    const v = env[envName(spec.flag)];
    if (v !== undefined && v !== '') applyValue(cfg, spec, v, envName(spec.flag));
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(arg, `unexpected argument "${arg}"`);
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = FLAGS.find((f) => f.flag === name);
    if (!spec) throw new ConfigError(name, `unknown flag --${name} (see --help)`);
    if (value === undefined) {
      if (spec.kind === 'bool' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--')))
        value = 'true';
      else {
        value = argv[++i];
        if (value === undefined) throw new ConfigError(name, `--${name} needs a value`);
      }
    }
    applyValue(cfg, spec, value, `--${name}`);
  }
  cfg.advertiseIsDefault = cfg.advertise === '';
  if (cfg.advertise === '') cfg.advertise = cfg.bind !== '0.0.0.0' ? cfg.bind : firstLanIPv4();
  if (cfg.realm === '') cfg.realm = cfg.advertise;
  if (cfg.rtpengine !== '' && cfg.mediaRelay === 'builtin') cfg.mediaRelay = 'rtpengine';
  if (cfg.mediaRelay === 'rtpengine' && cfg.rtpengine === '')
    throw new ConfigError('rtpengine', '--media-relay rtpengine needs --rtpengine host:port');
  if (cfg.minExpires > cfg.maxExpires)
    throw new ConfigError('min-expires', 'min-expires is larger than max-expires');
  if (cfg.defaultExpires > cfg.maxExpires) cfg.defaultExpires = cfg.maxExpires;
  return cfg;
}

export function usage(): string {
  const lines = [
    'Usage: npm run serve -- [flags]',
    '',
    'Every flag can also be set as an environment variable PBX_<FLAG>.',
    '',
  ];
  for (const f of FLAGS) lines.push(`  --${f.flag.padEnd(20)} ${envName(f.flag).padEnd(24)} ${f.help}`);
  return lines.join('\n');
}
