// The logger contract: the subset of pino's API the Participant uses. Any pino logger fits,
// and so does a plain object with these four methods.

export type LogFn = (objOrMsg: unknown, msg?: string) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  trace?: LogFn;
  child?: (bindings: Record<string, unknown>) => Logger;
}

const noop: LogFn = () => {};

/** Silent by default: a library must not write to the process's streams uninvited. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop, trace: noop });

export function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['debug', 'info', 'warn', 'error'].every((level) => typeof candidate[level] === 'function');
}
