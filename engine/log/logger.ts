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
    if (RANK[level] >= RANK.warn) this.root.noteProblem(level, this.category, msg);
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A warning or error as the console's status panel shows it. */
export interface LoggedProblem {
  /** ISO 8601. */
  time: string;
  level: 'warn' | 'error';
  category: string;
  message: string;
}

const KEPT_PROBLEMS = 50;

export class LogRoot {
  /** The latest warnings and errors, newest last, for the console's system status. */
  readonly problems: LoggedProblem[] = [];
  /** Errors logged since start. */
  errorCount = 0;
  private readonly problemListeners: ((p: LoggedProblem) => void)[] = [];

  constructor(
    public level: LogLevel = 'info',
    public sink: LogSink = stderrSink,
  ) {}

  onProblem(listener: (p: LoggedProblem) => void): void {
    this.problemListeners.push(listener);
  }

  /** Called by loggers for warnings and errors that were written. */
  noteProblem(level: LogLevel, category: string, message: string): void {
    if (level !== 'warn' && level !== 'error') return;
    if (level === 'error') this.errorCount++;
    const p: LoggedProblem = { time: new Date().toISOString(), level, category, message };
    this.problems.push(p);
    if (this.problems.length > KEPT_PROBLEMS) this.problems.shift();
    for (const l of this.problemListeners) l(p);
  }

  logger(category: string): Logger {
    return new Logger(category, this);
  }
}

export function isLogLevel(value: string): value is LogLevel {
  return value in RANK;
}
