// --check CMD, repeatable, each followed by its own settings: --check-name, --check-interval,
// --check-timeout, --check-rise, --check-fall, --check-weight and --check-init-fail apply to the
// --check before them (keepalived's vrrp_script, one flag per setting, so that a command may hold
// any character). A setting before any --check, or given twice for one check, is a usage error.
import type { parseArgs } from 'node:util';
import { UsageError } from './usage';

export interface CheckArgs {
  readonly command: string;
  readonly name: string;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly rise?: number;
  readonly fall?: number;
  readonly weight?: number;
  readonly initFail?: boolean;
}

/** The flags, for parseArgs: `multiple`, so that the order of the tokens says which check each belongs to. */
export const CHECK_OPTIONS = {
  check: { type: 'string', multiple: true },
  'check-name': { type: 'string', multiple: true },
  'check-interval': { type: 'string', multiple: true },
  'check-timeout': { type: 'string', multiple: true },
  'check-rise': { type: 'string', multiple: true },
  'check-fall': { type: 'string', multiple: true },
  'check-weight': { type: 'string', multiple: true },
  'check-init-fail': { type: 'boolean', multiple: true },
} as const;

type Setting = Exclude<keyof CheckArgs, 'command'>;
const SETTINGS: Record<string, Setting> = {
  'check-name': 'name', 'check-interval': 'intervalMs', 'check-timeout': 'timeoutMs', 'check-rise': 'rise',
  'check-fall': 'fall', 'check-weight': 'weight', 'check-init-fail': 'initFail',
};

type Tokens = NonNullable<ReturnType<typeof parseArgs>['tokens']>;

export function checkArgs(tokens: Tokens): CheckArgs[] {
  const checks: Array<{ command: string; given: Partial<Record<Setting, string | true>> }> = [];
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (token.name === 'check') {
      if (!token.value) throw new UsageError('--check needs a command');
      checks.push({ command: token.value, given: {} });
      continue;
    }
    const setting = SETTINGS[token.name];
    if (setting === undefined) continue;
    const current = checks.at(-1);
    if (current === undefined) throw new UsageError(`--${token.name} must follow the --check it applies to`);
    if (current.given[setting] !== undefined) throw new UsageError(`--${token.name} is given twice for --check ${JSON.stringify(current.command)}`);
    current.given[setting] = token.value ?? true;
  }
  const names = new Set<string>();
  return checks.map(({ command, given }, i) => {
    const name = typeof given.name === 'string' ? given.name : `check${i + 1}`;
    if (name === '' || names.has(name)) throw new UsageError(`--check-name ${JSON.stringify(name)}: check names must be non-empty and unique`);
    names.add(name);
    return {
      command, name,
      ...number('intervalMs', given, '--check-interval', 10),
      ...number('timeoutMs', given, '--check-timeout', 1),
      ...number('rise', given, '--check-rise', 1),
      ...number('fall', given, '--check-fall', 1),
      ...number('weight', given, '--check-weight', -253, 253),
      ...(given.initFail === true && { initFail: true }),
    };
  });
}

function number(setting: 'intervalMs' | 'timeoutMs' | 'rise' | 'fall' | 'weight', given: Partial<Record<Setting, string | true>>, flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  const text = given[setting];
  if (typeof text !== 'string') return {};
  const value = /^[+-]?[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer${max === Number.MAX_SAFE_INTEGER ? ` of at least ${min}` : ` from ${min} to ${max}`}, got "${text}"`);
  }
  return { [setting]: value };
}
