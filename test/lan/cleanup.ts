// Crash-safe cleanup. Each LAN records tag -> creating pid under /tmp/multibully-lan/ before it
// creates anything; createLan() sweeps records whose pid is dead, and exit/signal handlers
// synchronously remove what this process still owns.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TAG_PREFIX } from './names';

export const RECORD_DIR = '/tmp/multibully-lan';
const SYNC_TIMEOUT_MS = 5_000;
const MAX_SWEEP_RECORDS = 200;

interface LanRecord {
  tag: string;
  pid: number;
}

/** What the exit handler must tear down for one live LAN of this process. */
export interface OwnedLan {
  tag: string;
  children: Set<ChildProcess>;
}

const live = new Map<string, OwnedLan>();
let handlersInstalled = false;

function recordPath(tag: string): string {
  return join(RECORD_DIR, `${tag}.json`);
}

/** Records that `pid` (normally this process) owns the namespaces of `tag`. */
export function writeRecord(tag: string, pid: number = process.pid): void {
  mkdirSync(RECORD_DIR, { recursive: true });
  const record: LanRecord = { tag, pid };
  writeFileSync(recordPath(tag), JSON.stringify(record));
}

export function removeRecord(tag: string): void {
  try {
    unlinkSync(recordPath(tag));
  } catch {
    // already gone
  }
}

export function registerLive(lan: OwnedLan): void {
  installExitHandlers();
  live.set(lan.tag, lan);
}

export function unregisterLive(tag: string): void {
  live.delete(tag);
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process stays a zombie until its parent reaps it; it will never clean up.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** Names of all network namespaces currently present (`ip netns list`). */
export function listNetnsSync(): string[] {
  try {
    const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: SYNC_TIMEOUT_MS });
    return out
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[0] ?? '')
      .filter((name) => name.length > 0);
  } catch {
    return [];
  }
}

/** Kills every process still inside the namespace, then deletes it. Never throws. */
export function removeNetnsSync(netns: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8', timeout: SYNC_TIMEOUT_MS });
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    // namespace already gone
  }
  try {
    execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore', timeout: SYNC_TIMEOUT_MS });
  } catch {
    // already gone
  }
}

/** Removes all namespaces of one LAN tag synchronously. */
export function removeTagSync(tag: string): void {
  for (const netns of listNetnsSync()) {
    if (netns.startsWith(`${tag}-`)) removeNetnsSync(netns);
  }
  removeRecord(tag);
}

/** Removes LANs whose creating process is gone (killed runs). Returns the tags removed. */
export function sweepLeftovers(): string[] {
  let files: string[];
  try {
    files = readdirSync(RECORD_DIR).filter((f) => f.startsWith(TAG_PREFIX) && f.endsWith('.json'));
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const file of files.slice(0, MAX_SWEEP_RECORDS)) {
    let record: LanRecord;
    try {
      record = JSON.parse(readFileSync(join(RECORD_DIR, file), 'utf8')) as LanRecord;
    } catch {
      continue; // half-written by a live process, or garbage: leave it
    }
    if (typeof record.tag !== 'string' || !record.tag.startsWith(TAG_PREFIX) || `${record.tag}.json` !== file) continue;
    if (typeof record.pid !== 'number' || isPidAlive(record.pid)) continue;
    removeTagSync(record.tag);
    swept.push(record.tag);
  }
  return swept;
}

function cleanupAllSync(): void {
  for (const lan of live.values()) {
    for (const child of lan.children) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already exited
      }
    }
    removeTagSync(lan.tag);
  }
  live.clear();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupAllSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      cleanupAllSync();
      // Restore default behaviour and re-raise so the process still dies from the signal,
      // unless someone else also listens (then they decide).
      process.removeListener(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
