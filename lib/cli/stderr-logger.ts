// A tiny pino-compatible logger that writes one line per entry to stderr, keeping stdout
// for the JSON event stream.
import type { LogFn, Logger } from '../participant/logger';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

type Write = (line: string) => void;

export function createStderrLogger(level: LogLevel, write: Write = (line) => process.stderr.write(line), bindings: Record<string, unknown> = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at = (name: Exclude<LogLevel, 'silent'>): LogFn => {
    if (LOG_LEVELS.indexOf(name) < threshold) return () => {};
    return (objOrMsg, msg) => write(formatEntry(name, bindings, objOrMsg, msg));
  };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => createStderrLogger(level, write, { ...bindings, ...more }),
    // The Participant writes per-packet entries only to a logger that says it wants them.
    isLevelEnabled: (name) => isLogLevel(name) && name !== 'silent' && LOG_LEVELS.indexOf(name) >= threshold,
  };
}

function formatEntry(level: string, bindings: Record<string, unknown>, objOrMsg: unknown, msg?: string): string {
  let text: string;
  let fields: Record<string, unknown> = { ...bindings };
  if (typeof objOrMsg === 'string') text = objOrMsg;
  else if (objOrMsg instanceof Error) {
    text = msg ?? objOrMsg.message;
    fields = { ...fields, err: errorFields(objOrMsg) };
  } else {
    text = msg ?? '';
    if (typeof objOrMsg === 'object' && objOrMsg !== null) {
      const entries = Object.entries(objOrMsg).map(([k, v]) => [k, v instanceof Error ? errorFields(v) : v] as const);
      fields = { ...fields, ...Object.fromEntries(entries) };
    }
  }
  const extra = Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields, jsonSafe) : '';
  return `${new Date().toISOString()} ${level.toUpperCase()} ${text}${extra}\n`;
}

function errorFields(error: Error): Record<string, unknown> {
  return { message: error.message, code: (error as { code?: unknown }).code };
}

/** JSON replacer: bigint as decimal text, bytes as hex. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}
