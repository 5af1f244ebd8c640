// The logger contract: the subset of pino's API the Participant uses. Any pino logger fits,
// and so does a plain object with these four methods.

import type { CoreEvent } from '../core/types';

export type LogFn = (objOrMsg: unknown, msg?: string) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  trace?: LogFn;
  child?: (bindings: Record<string, unknown>) => Logger;
  /** pino's: whether entries of this level are written. Per-packet entries need it (see packetLogger). */
  isLevelEnabled?: (level: string) => boolean;
}

const noop: LogFn = () => {};

/** Silent by default: a library must not write to the process's streams uninvited. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop, trace: noop });

export function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['debug', 'info', 'warn', 'error'].every((level) => typeof candidate[level] === 'function');
}

/** The entries written for single packets (received, sent, dropped): several per heartbeat. */
export interface PacketLogger {
  trace: LogFn;
  debug: LogFn;
}

/**
 * Per-packet entries reach only a logger that says it wants them (pino's isLevelEnabled, asked at
 * each entry, so a level changed at run time counts). One that cannot filter gets none: with
 * `logger: console`, console.trace would print a stack trace for every packet.
 */
export function packetLogger(logger: Logger): PacketLogger {
  const at = (level: 'trace' | 'debug'): LogFn => (objOrMsg, msg) => {
    if (logger.isLevelEnabled?.(level) === true) logger[level]?.(objOrMsg, msg);
  };
  return { trace: at('trace'), debug: at('debug') };
}

/** What the core reported, in the participant's log: state changes (info), raised terms (debug), conflicts (warn). */
export function logCoreEvent(log: Logger, event: CoreEvent): void {
  const { type: _type, ...payload } = event;
  switch (event.type) {
    case 'state':
      return log.info(payload, 'state change');
    case 'term':
      return log.debug(payload, 'term raised');
    case 'conflict':
      return log.warn({ otherNonce: event.other.nonce.toString(), reason: event.reason }, `another instance uses our id ${event.other.id} and address ${event.other.address}`);
  }
}
