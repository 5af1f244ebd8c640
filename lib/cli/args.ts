// Command-line parsing with node:util parseArgs; every bad flag becomes a UsageError.
import { parseArgs } from 'node:util';
import { UINT64_MAX } from '../core/types';
import { toUint64 } from '../validate';
import { isLogLevel, type LogLevel } from './stderr-logger';
import { DEFAULTS, UsageError } from './usage';
import type { FloatingAddress } from '../address';
import { parseMetricsAddress, type MetricsAddress } from './metrics-server';
import { checkArgs, CHECK_OPTIONS, type CheckArgs } from './check-args';
import { parseVip } from './vip';

export interface RunArgs {
  readonly command: 'run';
  readonly interface: string | number;
  readonly address: string;
  /** --peer, repeatable: unicast peers instead of a multicast group. */
  readonly peers: readonly string[];
  /** --peers-file: the peers, one a line, re-read when the file changes. */
  readonly peersFile?: string;
  readonly id: bigint;
  readonly cluster?: string;
  readonly heartbeatMs?: number;
  readonly misses?: number;
  readonly secretFile?: string;
  readonly wire: 'v1' | 'go';
  readonly preempt: boolean;
  /** --priority: the base priority, 1..254. */
  readonly priority?: number;
  readonly preemptDelayMs?: number;
  /** --check, repeatable, each with its own settings. */
  readonly checks: readonly CheckArgs[];
  /** --priority-file: an integer added to the priority, re-read on change. */
  readonly priorityFile?: string;
  readonly probeLeader: boolean;
  readonly metadata?: string;
  readonly ttl?: number;
  readonly onLeader?: string;
  readonly onFollower?: string;
  readonly onFault?: string;
  readonly onStop?: string;
  /** keepalived's `notify`: run with the new state (leader|follower|fault|stopped) as its argument. */
  readonly notify?: string;
  readonly hookTimeoutMs: number;
  /** Floating addresses held while leading (--vip, repeatable). */
  readonly vips: readonly FloatingAddress[];
  /** Rewritten atomically on every transition. */
  readonly statusFile?: string;
  /** Where GET /metrics is served (Prometheus text format). */
  readonly metrics?: MetricsAddress;
  /** Resign and exit when the parent process dies (default on; --no-parent-watch turns it off). */
  readonly parentWatch: boolean;
  readonly logLevel: LogLevel;
}

export type CliArgs =
  | RunArgs
  | { readonly command: 'interfaces'; readonly json: boolean }
  | { readonly command: 'demo'; readonly logLevel: LogLevel }
  | { readonly command: 'help' }
  | { readonly command: 'version' };

const RUN_OPTIONS = {
  interface: { type: 'string', short: 'i' },
  address: { type: 'string', short: 'a' },
  peer: { type: 'string', multiple: true },
  'peers-file': { type: 'string' },
  id: { type: 'string' },
  cluster: { type: 'string' },
  heartbeat: { type: 'string' },
  misses: { type: 'string' },
  'secret-file': { type: 'string' },
  wire: { type: 'string' },
  'no-preempt': { type: 'boolean' },
  priority: { type: 'string' },
  'preempt-delay': { type: 'string' },
  'priority-file': { type: 'string' },
  ...CHECK_OPTIONS,
  'no-probe': { type: 'boolean' },
  metadata: { type: 'string' },
  ttl: { type: 'string' },
  'on-leader': { type: 'string' },
  'on-follower': { type: 'string' },
  'on-fault': { type: 'string' },
  'on-stop': { type: 'string' },
  notify: { type: 'string' },
  'hook-timeout': { type: 'string' },
  vip: { type: 'string', multiple: true },
  'status-file': { type: 'string' },
  metrics: { type: 'string' },
  'no-parent-watch': { type: 'boolean' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
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
  const { values, tokens } = strictParse(argv, RUN_OPTIONS);
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  const missing = (['interface', 'address', 'id'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`missing required option${missing.length > 1 ? 's' : ''}: ${missing.map((m) => '--' + m).join(', ')}`);
  const wire = values.wire ?? 'v1';
  if (wire !== 'v1' && wire !== 'go') throw new UsageError(`--wire must be v1 or go, got "${wire}"`);
  const spec = values.interface!;
  if (values.peer !== undefined && values['peers-file'] !== undefined) throw new UsageError('give the peers with --peer or with --peers-file, not both');
  return {
    command: 'run',
    interface: /^[0-9]+$/.test(spec) ? Number(spec) : spec,
    address: values.address!,
    peers: (values.peer ?? []).map((peer) => nonEmpty('--peer', peer)),
    ...(values['peers-file'] !== undefined && { peersFile: nonEmpty('--peers-file', values['peers-file']) }),
    id: unsignedBigInt('--id', values.id!),
    ...(values.cluster !== undefined && { cluster: values.cluster }),
    ...(values.heartbeat !== undefined && { heartbeatMs: positiveNumber('--heartbeat', values.heartbeat) }),
    ...(values.misses !== undefined && { misses: positiveInteger('--misses', values.misses) }),
    ...(values['secret-file'] !== undefined && { secretFile: values['secret-file'] }),
    wire,
    preempt: values['no-preempt'] !== true,
    ...(values.priority !== undefined && { priority: integerIn('--priority', values.priority, 1, 254) }),
    ...(values['preempt-delay'] !== undefined && { preemptDelayMs: nonNegativeInteger('--preempt-delay', values['preempt-delay']) }),
    checks: checkArgs(tokens ?? []),
    ...(values['priority-file'] !== undefined && { priorityFile: nonEmpty('--priority-file', values['priority-file']) }),
    probeLeader: values['no-probe'] !== true,
    ...(values.metadata !== undefined && { metadata: values.metadata }),
    ...(values.ttl !== undefined && { ttl: nonNegativeInteger('--ttl', values.ttl) }),
    ...(values['on-leader'] !== undefined && { onLeader: values['on-leader'] }),
    ...(values['on-follower'] !== undefined && { onFollower: values['on-follower'] }),
    ...(values['on-fault'] !== undefined && { onFault: values['on-fault'] }),
    ...(values['on-stop'] !== undefined && { onStop: values['on-stop'] }),
    ...(values.notify !== undefined && { notify: values.notify }),
    hookTimeoutMs: values['hook-timeout'] === undefined ? DEFAULTS.hookTimeoutMs : positiveInteger('--hook-timeout', values['hook-timeout']),
    vips: (values.vip ?? []).map(vip),
    ...(values['status-file'] !== undefined && { statusFile: nonEmpty('--status-file', values['status-file']) }),
    ...(values.metrics !== undefined && { metrics: parseMetricsAddress(values.metrics) }),
    parentWatch: values['no-parent-watch'] !== true,
    logLevel: logLevel(values['log-level'], DEFAULTS.logLevel),
  };
}

function vip(text: string): FloatingAddress {
  try {
    return parseVip(text);
  } catch (error) {
    const message = (error as Error).message;
    throw new UsageError(message.startsWith('--vip') ? message : `--vip ${JSON.stringify(text)}: ${message}`);
  }
}

function nonEmpty(flag: string, text: string): string {
  if (text === '') throw new UsageError(`${flag} needs a value`);
  return text;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

function strictParse<T extends OptionSpec>(args: readonly string[], options: T) {
  try {
    const parsed = parseArgs({ args: attachDashValues(args, options), options, strict: true, allowPositionals: true, tokens: true });
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
    refuseRepeats(parsed.tokens, options);
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // parseArgs' own messages name the bad flag ("Unknown option '--x'. To specify…"): keep the first sentence.
    throw new UsageError((error as Error).message.split(/\.[ \n]/)[0]!.replace(/\s*\n\s*/g, ' '));
  }
}

/**
 * parseArgs keeps the last of a repeated single-value flag: `-i lo … --interface eth0` would run
 * on eth0, which a systemd drop-in or a wrapper adding a flag makes easy to miss. Only the flags
 * meant to repeat (`multiple`, e.g. --vip) may.
 */
function refuseRepeats(tokens: ReturnType<typeof parseArgs>['tokens'] = [], options: OptionSpec): void {
  const seen = new Map<string, string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || options[token.name]?.multiple) continue;
    const given = token.value === undefined ? token.rawName : `${token.rawName} ${token.value}`;
    const first = seen.get(token.name);
    if (first !== undefined) {
      // --check's settings repeat with it (once per check): they are not named apart.
      const repeatable = Object.keys(options).filter((name) => options[name]!.multiple && !name.startsWith('check-'))
        .map((name) => (name === 'check' ? '--check (each with its own --check-* settings)' : `--${name}`));
      const list = repeatable.length > 1 ? `${repeatable.slice(0, -1).join(', ')} and ${repeatable.at(-1)}` : repeatable.join('');
      const which = repeatable.length > 0 ? `; only ${list} may be repeated` : '';
      throw new UsageError(`--${token.name} is given more than once (${first}, then ${given}): give it once${which}`);
    }
    seen.set(token.name, given);
  }
}

/**
 * parseArgs refuses a value that starts with a dash ("--id -1": "argument is ambiguous"). A value
 * that is not one of our options is the option's value: "--id -1" becomes "--id=-1", which the
 * option's own check then rejects clearly. An option where a value should be is a missing value.
 */
function attachDashValues(args: readonly string[], options: OptionSpec): string[] {
  const takesValue = new Map<string, string>();
  const known = new Set<string>(['--']);
  for (const [name, spec] of Object.entries(options)) {
    known.add(`--${name}`);
    if (spec.short) known.add(`-${spec.short}`);
    if (spec.type === 'string') {
      takesValue.set(`--${name}`, `--${name}`);
      if (spec.short) takesValue.set(`-${spec.short}`, `--${name}`);
    }
  }
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const flag = takesValue.get(arg);
    const next = args[i + 1];
    if (flag !== undefined && next !== undefined && next.startsWith('-') && next !== '-') {
      if (known.has(next) || known.has(next.split('=')[0]!)) throw new UsageError(`${flag} needs a value (got the option ${next.split('=')[0]})`);
      out.push(`${flag}=${next}`);
      i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

function logLevel(value: string | undefined, fallback: LogLevel): LogLevel {
  if (value === undefined) return fallback;
  if (!isLogLevel(value)) throw new UsageError(`--log-level must be one of trace, debug, info, warn, error, silent; got "${value}"`);
  return value;
}

function unsignedBigInt(flag: string, text: string): bigint {
  const range = `0 to ${UINT64_MAX} (2^64-1)`;
  if (/^-[0-9]+$/.test(text)) throw new UsageError(`${flag} must not be negative: give an unsigned integer from ${range}, got "${text}"`);
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`${flag} must be an unsigned decimal integer from ${range}, got "${text}"`);
  try {
    return toUint64(BigInt(text), flag, 'bigint');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
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

function integerIn(flag: string, text: string, min: number, max: number): number {
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${text}"`);
  return value;
}

function nonNegativeInteger(flag: string, text: string): number {
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`${flag} must be a non-negative integer, got "${text}"`);
  return Number(text);
}
