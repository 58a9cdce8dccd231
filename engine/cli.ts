#!/usr/bin/env node
import { ConfigError, parseConfig, usage } from './config/index.js';
import { Engine } from './engine.js';
import { LogRoot } from './log/index.js';

/** `npm run serve -- [flags]`: the headless service. */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    return;
  }
  let config;
  try {
    config = parseConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`officepbx: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logRoot = new LogRoot(config.logLevel);
  const log = logRoot.logger('service');
  let engine: Engine;
  try {
    engine = await Engine.start(config, logRoot);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint =
      e.code === 'EADDRINUSE'
        ? ' (another program uses that port: pick another with the flags)'
        : e.code === 'EACCES'
          ? ' (ports below 1024 need administrator rights)'
          : '';
    log.error(`could not start: ${e.message}${hint}`, { err });
    process.exit(1);
  }
  console.log(
    `OfficePBX is running. Console: http://${config.advertise}:${config.httpPort}/  SIP: ${config.advertise}:${config.sipPort}`,
  );
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    engine.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

void main();
