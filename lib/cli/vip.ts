// `--vip ADDR/PREFIX`: a floating address that follows the leader (Linux only). The addon adds
// and removes it with rtnetlink and announces it (gratuitous ARP for IPv4, an unsolicited
// neighbour advertisement for IPv6); nothing here shells out to `ip` or `arping`.
import { readFileSync } from 'node:fs';
import { parseFloatingAddress, type FloatingAddress } from '../address';
import { codedError } from '../errors';
import { checkOptionsObject } from '../validate';
import type { Logger } from '../participant/logger';
import { nativeBinding } from '../socket/binding';

/** Parses `ADDR/PREFIX` for --vip; the rules of a floating address are lib/address.ts's. */
export function parseVip(text: string): FloatingAddress {
  return parseFloatingAddress(text, '--vip');
}

/** The addon's three VIP functions (injectable for unit tests). */
export interface VipNative {
  vipAddAddress(interfaceIndex: number, family: 4 | 6, address: string, prefixLength: number): boolean;
  vipRemoveAddress(interfaceIndex: number, family: 4 | 6, address: string, prefixLength: number): boolean;
  vipAnnounce(interfaceIndex: number, family: 4 | 6, address: string): boolean;
}

export interface VipManagerOptions {
  interfaceIndex: number;
  interfaceName: string;
  vips: readonly FloatingAddress[];
  logger: Logger;
  /** Announcements per acquire, the first at once (keepalived's garp_master_repeat). Default 5. */
  announceCount?: number;
  /** Between two announcements. Default 200 ms. */
  announceIntervalMs?: number;
  /** For tests: a stand-in for the addon. */
  native?: VipNative;
}

const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;

/** The capabilities --vip needs that a /proc/<pid>/status text's CapEff lacks (pure; exported for tests). */
export function missingVipCapabilities(statusText: string): string[] {
  const match = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText);
  if (!match) return ['CAP_NET_ADMIN', 'CAP_NET_RAW'];
  const effective = BigInt(`0x${match[1]}`);
  const missing: string[] = [];
  if ((effective & (1n << BigInt(CAP_NET_ADMIN))) === 0n) missing.push('CAP_NET_ADMIN');
  if ((effective & (1n << BigInt(CAP_NET_RAW))) === 0n) missing.push('CAP_NET_RAW');
  return missing;
}

function loadNative(): VipNative {
  if (process.platform !== 'linux') {
    throw codedError('ERR_MULTIBULLY_UNSUPPORTED', `--vip is supported on Linux only (platform is ${process.platform})`);
  }
  const binding = nativeBinding();
  const { vipAddAddress, vipRemoveAddress, vipAnnounce } = binding;
  if (!vipAddAddress || !vipRemoveAddress || !vipAnnounce) {
    throw codedError(
      'ERR_MULTIBULLY_UNSUPPORTED',
      '--vip: this build of the native addon has no floating-address support; rebuild it (`npm run build`)',
    );
  }
  return {
    vipAddAddress: (i, f, a, p) => vipAddAddress.call(binding, i, f, a, p),
    vipRemoveAddress: (i, f, a, p) => vipRemoveAddress.call(binding, i, f, a, p),
    vipAnnounce: (i, f, a) => vipAnnounce.call(binding, i, f, a),
  };
}

function checkInteger(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw codedError('ERR_MULTIBULLY_INVALID_ARGUMENT', `VipManager: ${what} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

const label = (vip: FloatingAddress): string => `${vip.address}/${vip.prefixLength}`;

/**
 * Adds the floating addresses to the election NIC on taking office and removes them on leaving
 * it. Every method is synchronous and never throws for a network failure: failures are logged
 * at error level (a missing address is worse than a loud log, and the election must go on).
 */
export class VipManager {
  private index: number;
  private name: string;
  private readonly vips: readonly FloatingAddress[];
  private readonly logger: Logger;
  private readonly announceCount: number;
  private readonly announceIntervalMs: number;
  private readonly native: VipNative;
  /** The ifindex the addresses were added to while held (undefined when not held). */
  private heldOn: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: VipManagerOptions) {
    checkOptionsObject(options, { owner: 'VipManager', code: 'ERR_MULTIBULLY_INVALID_ARGUMENT' });
    this.index = checkInteger(options.interfaceIndex, 'interfaceIndex', 1, 0x7fffffff);
    if (typeof options.interfaceName !== 'string' || options.interfaceName === '') {
      throw codedError('ERR_MULTIBULLY_INVALID_ARGUMENT', 'VipManager: interfaceName must be a non-empty string');
    }
    this.name = options.interfaceName;
    if (!Array.isArray(options.vips)) throw codedError('ERR_MULTIBULLY_INVALID_ARGUMENT', 'VipManager: vips must be an array of FloatingAddress');
    // Re-validated (and deduplicated): a hand-made FloatingAddress goes through the same checks as --vip.
    const unique = new Map<string, FloatingAddress>();
    for (const vip of options.vips) {
      const checked = parseVip(`${vip.address}/${vip.prefixLength}`);
      unique.set(label(checked), checked);
    }
    this.vips = [...unique.values()];
    this.logger = options.logger;
    this.announceCount = checkInteger(options.announceCount ?? 5, 'announceCount', 0, 100);
    this.announceIntervalMs = checkInteger(options.announceIntervalMs ?? 200, 'announceIntervalMs', 1, 60_000);
    this.native = options.native ?? loadNative();
  }

  /**
   * Throws at once when --vip cannot work here: ERR_MULTIBULLY_VIP_PERMISSION without
   * CAP_NET_ADMIN and CAP_NET_RAW, ERR_MULTIBULLY_UNSUPPORTED off Linux or with an old addon.
   */
  static checkCapabilities(): void {
    loadNative();
    let status: string;
    try {
      status = readFileSync('/proc/self/status', 'utf8');
    } catch (error) {
      throw codedError('ERR_MULTIBULLY_VIP_PERMISSION', `--vip: cannot read /proc/self/status to check capabilities (${(error as Error).message})`);
    }
    const missing = missingVipCapabilities(status);
    if (missing.length > 0) {
      throw codedError(
        'ERR_MULTIBULLY_VIP_PERMISSION',
        `--vip needs CAP_NET_ADMIN (to add and remove the address) and CAP_NET_RAW (to announce it); ` +
          `this process lacks ${missing.join(' and ')}. Run it as root, or grant them ` +
          '(systemd: AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW).',
      );
    }
  }

  /** Whether acquire() was called since the last release(). */
  get held(): boolean {
    return this.heldOn !== undefined;
  }

  get addresses(): readonly FloatingAddress[] {
    return this.vips;
  }

  /** Adds every address (EEXIST is fine), then announces them at once and announceCount − 1 more times. */
  acquire(): void {
    if (this.closed) throw codedError('ERR_MULTIBULLY_CLOSED', 'VipManager: acquire() after close()');
    this.stopAnnouncing();
    const index = this.index;
    this.heldOn = index;
    for (const vip of this.vips) {
      try {
        const added = this.native.vipAddAddress(index, vip.family, vip.address, vip.prefixLength);
        this.logger.info({ vip: label(vip), interface: this.name }, added ? 'vip added' : 'vip already present');
      } catch (error) {
        this.logger.error({ err: error, vip: label(vip), interface: this.name }, 'cannot add the floating address');
      }
    }
    this.announce(this.announceCount);
  }

  /** Stops the announcements, then removes every address (absent ones are fine). Safe to call any time. */
  release(): void {
    this.stopAnnouncing();
    const index = this.heldOn ?? this.index;
    this.heldOn = undefined;
    for (const vip of this.vips) {
      try {
        const removed = this.native.vipRemoveAddress(index, vip.family, vip.address, vip.prefixLength);
        if (removed) this.logger.info({ vip: label(vip), interface: this.name }, 'vip removed');
      } catch (error) {
        this.logger.error({ err: error, vip: label(vip), interface: this.name }, 'cannot remove the floating address');
      }
    }
  }

  /**
   * Follows the election NIC to a new index (re-created interface). While held, the addresses are
   * removed from the old index (if it still exists) and added and announced on the new one.
   */
  setInterface(index: number, name: string): void {
    checkInteger(index, 'interfaceIndex', 1, 0x7fffffff);
    if (typeof name !== 'string' || name === '') throw codedError('ERR_MULTIBULLY_INVALID_ARGUMENT', 'VipManager: interface name must be a non-empty string');
    const moved = index !== this.index;
    this.index = index;
    this.name = name;
    if (moved && this.heldOn !== undefined && !this.closed) {
      this.release();
      this.acquire();
    }
  }

  /** Stops pending announcements. Does not remove the addresses: call release() first. */
  close(): void {
    this.closed = true;
    this.stopAnnouncing();
  }

  private announce(remaining: number): void {
    this.timer = undefined;
    if (remaining <= 0 || this.heldOn === undefined) return;
    for (const vip of this.vips) {
      try {
        if (!this.native.vipAnnounce(this.heldOn, vip.family, vip.address)) {
          this.logger.debug({ vip: label(vip), interface: this.name }, 'no announcement: the link has no Ethernet address');
        }
      } catch (error) {
        this.logger.warn({ err: error, vip: label(vip), interface: this.name }, 'cannot announce the floating address');
      }
    }
    if (remaining > 1) {
      this.timer = setTimeout(() => this.announce(remaining - 1), this.announceIntervalMs);
      this.timer.unref();
    }
  }

  private stopAnnouncing(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
