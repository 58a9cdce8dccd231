/**
 * Structured logging: one JSON object per line on stderr (stdout stays free for the CLI's own output).
 * Categories follow the layers (`sip.transport`, `sip.transaction`, `sip.registrar`, `api`, `store`).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

export interface LogSink {
  write(line: string): void;
}

const stderrSink: LogSink = { write: (line) => process.stderr.write(line) };

export class Logger {
  constructor(
    readonly category: string,
    private readonly root: LogRoot,
  ) {}

  child(category: string): Logger {
    return new Logger(`${this.category}.${category}`, this.root);
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.root.level];
  }

  debug(msg: string, fields?: LogFields): void {
    this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.emit('error', msg, fields);
  }

  private emit(level: LogLevel, msg: string, fields?: LogFields): void {
    if (!this.enabled(level)) return;
    const record: LogFields = { t: new Date().toISOString(), level, cat: this.category, msg, ...fields };
    let line: string;
    try {
      line = JSON.stringify(record, errorReplacer);
    } catch {
      line = JSON.stringify({ t: record.t, level, cat: this.category, msg });
    }
    this.root.sink.write(line + '\n');
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export class LogRoot {
  constructor(
    public level: LogLevel = 'info',
    public sink: LogSink = stderrSink,
  ) {}

  logger(category: string): Logger {
    return new Logger(category, this);
  }
}

export function isLogLevel(value: string): value is LogLevel {
  return value in RANK;
}
