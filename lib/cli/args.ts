// Command-line parsing with node:util parseArgs; every bad flag becomes a UsageError.
import { parseArgs } from 'node:util';
import { UINT64_MAX } from '../core/types';
import { isLogLevel, type LogLevel } from './stderr-logger';
import { UsageError } from './usage';

export interface RunArgs {
  readonly command: 'run';
  readonly interface: string | number;
  readonly address: string;
  readonly id: bigint;
  readonly cluster?: string;
  readonly heartbeatMs?: number;
  readonly misses?: number;
  readonly secretFile?: string;
  readonly wire: 'v1' | 'go';
  readonly preempt: boolean;
  readonly metadata?: string;
  readonly ttl?: number;
  readonly onLeader?: string;
  readonly onFollower?: string;
  readonly hookTimeoutMs: number;
  readonly logLevel: LogLevel;
}

export type CliArgs =
  | RunArgs
  | { readonly command: 'interfaces'; readonly json: boolean }
  | { readonly command: 'demo'; readonly logLevel: LogLevel }
  | { readonly command: 'help' };

const RUN_OPTIONS = {
  interface: { type: 'string', short: 'i' },
  address: { type: 'string', short: 'a' },
  id: { type: 'string' },
  cluster: { type: 'string' },
  heartbeat: { type: 'string' },
  misses: { type: 'string' },
  'secret-file': { type: 'string' },
  wire: { type: 'string' },
  'no-preempt': { type: 'boolean' },
  metadata: { type: 'string' },
  ttl: { type: 'string' },
  'on-leader': { type: 'string' },
  'on-follower': { type: 'string' },
  'hook-timeout': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const [first, ...rest] = argv;
  if (first === 'interfaces') {
    const { values } = strictParse(rest, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
    return values.help ? { command: 'help' } : { command: 'interfaces', json: values.json === true };
  }
  if (first === 'demo') {
    const { values } = strictParse(rest, { 'log-level': { type: 'string' }, help: { type: 'boolean', short: 'h' } });
    return values.help ? { command: 'help' } : { command: 'demo', logLevel: logLevel(values['log-level'], 'warn') };
  }
  const { values } = strictParse(argv, RUN_OPTIONS);
  if (values.help) return { command: 'help' };
  const missing = (['interface', 'address', 'id'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`missing required option${missing.length > 1 ? 's' : ''}: ${missing.map((m) => '--' + m).join(', ')}`);
  const wire = values.wire ?? 'v1';
  if (wire !== 'v1' && wire !== 'go') throw new UsageError(`--wire must be v1 or go, got "${wire}"`);
  const iface = values.interface!;
  return {
    command: 'run',
    interface: /^[0-9]+$/.test(iface) ? Number(iface) : iface,
    address: values.address!,
    id: unsignedBigInt('--id', values.id!),
    ...(values.cluster !== undefined && { cluster: values.cluster }),
    ...(values.heartbeat !== undefined && { heartbeatMs: positiveNumber('--heartbeat', values.heartbeat) }),
    ...(values.misses !== undefined && { misses: positiveInteger('--misses', values.misses) }),
    ...(values['secret-file'] !== undefined && { secretFile: values['secret-file'] }),
    wire,
    preempt: values['no-preempt'] !== true,
    ...(values.metadata !== undefined && { metadata: values.metadata }),
    ...(values.ttl !== undefined && { ttl: nonNegativeInteger('--ttl', values.ttl) }),
    ...(values['on-leader'] !== undefined && { onLeader: values['on-leader'] }),
    ...(values['on-follower'] !== undefined && { onFollower: values['on-follower'] }),
    hookTimeoutMs: values['hook-timeout'] === undefined ? 30_000 : positiveInteger('--hook-timeout', values['hook-timeout']),
    logLevel: logLevel(values['log-level'], 'warn'),
  };
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function strictParse<T extends OptionSpec>(args: readonly string[], options: T) {
  try {
    const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // parseArgs' own messages name the bad flag ("Unknown option '--x'. To specify…"): keep the first sentence.
    throw new UsageError((error as Error).message.split('. ')[0]!);
  }
}

function logLevel(value: string | undefined, fallback: LogLevel): LogLevel {
  if (value === undefined) return fallback;
  if (!isLogLevel(value)) throw new UsageError(`--log-level must be one of trace, debug, info, warn, error, silent; got "${value}"`);
  return value;
}

function unsignedBigInt(flag: string, text: string): bigint {
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`${flag} must be an unsigned decimal integer, got "${text}"`);
  const value = BigInt(text);
  if (value > UINT64_MAX) throw new UsageError(`${flag} must be below 2^64, got ${text}`);
  return value;
}

function positiveNumber(flag: string, text: string): number {
  const value = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : NaN;
  if (!(value > 0)) throw new UsageError(`${flag} must be a positive number of milliseconds, got "${text}"`);
  return value;
}

function positiveInteger(flag: string, text: string): number {
  const value = nonNegativeInteger(flag, text);
  if (value === 0) throw new UsageError(`${flag} must be at least 1, got "${text}"`);
  return value;
}

function nonNegativeInteger(flag: string, text: string): number {
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`${flag} must be a non-negative integer, got "${text}"`);
  return Number(text);
}
