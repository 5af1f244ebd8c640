// Can this process build namespace LANs? Probed once per process and cached.
import { execFileSync } from 'node:child_process';
import { makeTag } from './names';

export type LanSupport = { ok: true } | { ok: false; reason: string };

let cached: LanSupport | undefined;

/**
 * With REQUIRE_NETNS_TESTS=1 (set by .ci/run) a missing capability is an error, so the
 * namespace suites fail loudly instead of being skipped.
 */
export function lanSupport(): LanSupport {
  cached ??= probe();
  if (!cached.ok && process.env.REQUIRE_NETNS_TESTS === '1') {
    throw new Error(`REQUIRE_NETNS_TESTS=1 but the test LAN cannot be built: ${cached.reason}`);
  }
  return cached;
}

function probe(): LanSupport {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (platform is ${process.platform})` };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { ok: false, reason: 'test LAN needs root (network namespaces, veths, bridges)' };
  }
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore', timeout: 5_000 });
  } catch {
    return { ok: false, reason: '`ip` (iproute2) is not installed or not runnable' };
  }
  const probeNetns = `${makeTag()}-probe`;
  try {
    execFileSync('ip', ['netns', 'add', probeNetns], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5_000 });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim().split('\n')[0];
    return { ok: false, reason: `\`ip netns add\` failed: ${stderr || (err as Error).message}` };
  }
  try {
    execFileSync('ip', ['netns', 'del', probeNetns], { stdio: 'ignore', timeout: 5_000 });
  } catch {
    // best effort; the name is unique so a leftover cannot break anything
  }
  return { ok: true };
}
