// The argument checks every room shares: the options-object guard and the unsigned 64-bit rule.
import { UINT64_MAX } from './core/types';
import { describeValue, rangeError, typeError, type ErrorCode } from './errors';

export interface OptionsCheck {
  /** Who takes the options, for the messages: "election" → "election options must be …". */
  readonly owner?: string;
  /** The option names allowed; others are rejected. */
  readonly known?: ReadonlySet<string>;
  /**
   * The network layer's one code for both errors (see the policy in errors.ts). Default: Node's,
   * ERR_INVALID_ARG_TYPE for a non-object and ERR_INVALID_ARG_VALUE for an unknown option.
   */
  readonly code?: ErrorCode;
}

/** Throws unless `value` is an object (of only `known` keys, when given). */
export function checkOptionsObject(value: unknown, { owner, known, code }: OptionsCheck = {}): asserts value is object {
  const what = owner === undefined ? 'options' : `${owner} options`;
  if (typeof value !== 'object' || value === null) {
    throw typeError(code ?? 'ERR_INVALID_ARG_TYPE', `${what} must be an object, got ${describeValue(value)}`);
  }
  if (known === undefined) return;
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw typeError(code ?? 'ERR_INVALID_ARG_VALUE', `unknown ${owner === undefined ? '' : `${owner} `}option ${JSON.stringify(key)}`);
  }
}

/**
 * An unsigned 64-bit integer (an id, term, nonce or sequence number). `accept` 'bigint-or-number'
 * also takes a safe integer number from untyped callers.
 */
export function toUint64(value: unknown, path: string, accept: 'bigint' | 'bigint-or-number'): bigint {
  if (typeof value === 'number' && accept === 'bigint-or-number' && Number.isSafeInteger(value)) {
    if (value < 0) throw rangeError('ERR_OUT_OF_RANGE', `${path} must be ≥ 0, got ${value}`);
    return BigInt(value);
  }
  if (typeof value !== 'bigint') {
    throw typeError('ERR_INVALID_ARG_TYPE', accept === 'bigint'
      ? `${path} must be a bigint, got ${typeof value}`
      : `${path} must be a number or a bigint (a safe integer for numbers; use a bigint above 2^53), got ${describeValue(value)}`);
  }
  if (value < 0n || value > UINT64_MAX) throw rangeError('ERR_OUT_OF_RANGE', `${path} must be in 0..2^64-1, got ${value}`);
  return value;
}
