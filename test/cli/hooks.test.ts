import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HookRunner, runHook, type HookContext } from '../../lib/cli/hooks';
import type { Logger } from '../../lib/participant/logger';
import { heapAfterGc, MiB } from '../heap';

const dir = mkdtempSync(join(tmpdir(), 'mb-hooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const context: HookContext = { state: 'follower', id: '5', term: '3', leaderId: '9', leaderAddress: '10.77.1.9' };

function recordingLogger(): Logger & { errors: string[]; warns: string[]; debugs: Array<{ fields: Record<string, unknown>; msg: string }> } {
  const errors: string[] = [];
  const warns: string[] = [];
  const debugs: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const noop = () => {};
  return {
    errors,
    warns,
    debugs,
    debug: (obj: unknown, msg?: string) => debugs.push({ fields: obj as Record<string, unknown>, msg: String(msg) }),
    info: noop,
    warn: (_obj: unknown, msg?: string) => warns.push(String(msg)),
    error: (_obj: unknown, msg?: string) => errors.push(String(msg)),
  };
}

/** Whether a process runs (a zombie, dead but not yet reaped by its new parent, does not count). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitForFile(file: string, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file) && readFileSync(file, 'utf8').endsWith('\n')) return readFileSync(file, 'utf8');
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${file} was not written`);
}

async function waitUntilDead(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return !alive(pid);
}

/** The nth of a run of alternating transitions, each with a new term. */
function transition(n: number): HookContext {
  return n % 2 === 0
    ? { state: 'leader', id: '5', term: String(n), leaderId: '5', leaderAddress: '10.77.1.5' }
    : { state: 'follower', id: '5', term: String(n), leaderId: '9', leaderAddress: '10.77.1.9' };
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter((line) => line !== '') : [];
}

/** Both hooks append "STATE TERM" to the file after a pause, so that notifications back up. */
function slowRecorder(file: string, pause = '0.2') {
  const command = `sleep ${pause}; echo "$MULTIBULLY_STATE $MULTIBULLY_TERM" >> ${file}`;
  return { leader: command, follower: command };
}

describe('hooks', () => {
  it('runs the command through /bin/sh with the election state in the environment', async () => {
    const out = join(dir, 'env.txt');
    const result = await runHook(`env | grep -E '^MULTIBULLY_(ID|TERM|STATE|LEADER_ID|LEADER_ADDRESS)=' | sort > ${out}`, context, 5_000);
    expect(result.ok).toBe(true);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual([
      'MULTIBULLY_ID=5', 'MULTIBULLY_LEADER_ADDRESS=10.77.1.9', 'MULTIBULLY_LEADER_ID=9', 'MULTIBULLY_STATE=follower', 'MULTIBULLY_TERM=3',
    ]);
  });

  it("passes the leader's metadata and its encoding, empty without metadata, never one inherited from the CLI's environment", async () => {
    const out = join(dir, 'metadata-env.txt');
    const command = `env | grep -E '^MULTIBULLY_LEADER_METADATA' | sort > ${out}`;
    process.env.MULTIBULLY_LEADER_METADATA = 'stale';
    try {
      await runHook(command, { ...context, leaderMetadata: 'http://10.77.1.9:8080/', leaderMetadataEncoding: 'utf8' }, 5_000);
      expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual(['MULTIBULLY_LEADER_METADATA=http://10.77.1.9:8080/', 'MULTIBULLY_LEADER_METADATA_ENCODING=utf8']);
      await runHook(command, context, 5_000);
      expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual(['MULTIBULLY_LEADER_METADATA=', 'MULTIBULLY_LEADER_METADATA_ENCODING=']);
    } finally {
      delete process.env.MULTIBULLY_LEADER_METADATA;
    }
  });

  it('reports a non-zero exit without throwing', async () => {
    const result = await runHook('exit 3', context, 5_000);
    expect(result).toMatchObject({ ok: false, code: 3, timedOut: false });
  });

  it('kills a hook that runs past its timeout', async () => {
    const started = Date.now();
    const result = await runHook('sleep 10', context, 200);
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('runs hooks one at a time in order and logs failures', async () => {
    const out = join(dir, 'order.txt');
    const logger = recordingLogger();
    const runner = new HookRunner({ leader: `sleep 0.2; echo leader >> ${out}; exit 1`, follower: `echo follower >> ${out}` }, 5_000, logger);
    void runner.notify({ ...context, state: 'leader' });
    await runner.notify(context);
    expect(readFileSync(out, 'utf8')).toBe('leader\nfollower\n');
    expect(logger.errors).toEqual(['on-leader hook exited with code 1']);
  });

  it('does nothing for a state without a hook', async () => {
    const logger = recordingLogger();
    const runner = new HookRunner({}, 1_000, logger);
    await runner.notify(context);
    expect(logger.errors).toEqual([]);
  });

  it('coalesces a burst: 50 rapid transitions give at most 2 runs, the latest state last', async () => {
    const out = join(dir, 'burst.txt');
    const logger = recordingLogger();
    const runner = new HookRunner(slowRecorder(out), 5_000, logger);
    for (let n = 1; n <= 50; n++) void runner.notify(transition(n));
    await runner.idle();
    const ran = lines(out);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(ran.length).toBeLessThanOrEqual(2);
    expect(ran).toEqual(['follower 1', 'leader 50']);
    // The 48 transitions in between were replaced while waiting, and the debug log says so.
    expect(logger.debugs.some((d) => d.fields.coalesced === 48 && /48 older waiting hook/.test(d.msg))).toBe(true);
    expect(logger.errors).toEqual([]);
  });

  it('keeps a bounded queue under 2,000 forged transitions: one running, one waiting', async () => {
    const out = join(dir, 'flood.txt');
    const logger = recordingLogger();
    const runner = new HookRunner(slowRecorder(out, '0.3'), 5_000, logger);
    const started = Date.now();
    // Spread over a few event-loop turns, as packets would be, so the first hook can finish meanwhile.
    for (let n = 1; n <= 2_000; n++) {
      void runner.notify(transition(n));
      if (n % 250 === 0) await new Promise((r) => setTimeout(r, 50));
    }
    const notifying = Date.now() - started;
    await runner.idle();
    const ran = lines(out);
    // Each run takes at least 300 ms: while notifications kept coming at most one started per
    // 300 ms, plus the waiting one at the end. Never one per transition.
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(ran.length).toBeLessThanOrEqual(Math.floor(notifying / 300) + 2);
    expect(ran.length).toBeLessThan(20);
    expect(ran.at(-1)).toBe('leader 2000');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('holds O(1) memory under 1,000,000 notifications while one hook runs (issue 20: 162 MiB before)', async () => {
    const out = join(dir, 'million.txt');
    const runner = new HookRunner(slowRecorder(out, '1'), 10_000, recordingLogger());
    void runner.notify(transition(0)); // starts the one that runs (1 s)
    const before = heapAfterGc();
    const idle = new Set<Promise<void>>();
    for (let n = 1; n <= 1_000_000; n++) {
      const done = runner.notify(transition(n));
      if (n % 100_000 === 0) idle.add(done);
    }
    const grown = heapAfterGc() - before;
    expect(grown).toBeLessThan(4 * MiB);
    expect(idle.size).toBe(1); // every caller of a busy period shares one promise
    await runner.idle();
    expect(lines(out)).toEqual(['leader 0', 'leader 1000000']); // the running one, then only the latest
  }, 30_000);

  it('skips a waiting hook whose state, leader and term are those of the hook that last ran', async () => {
    const out = join(dir, 'same.txt');
    const logger = recordingLogger();
    const runner = new HookRunner(slowRecorder(out), 5_000, logger);
    // follower of 9 at term 3 → leader at 4 → follower of 9 at term 3 again while the first hook runs.
    void runner.notify(context);
    void runner.notify({ ...context, state: 'leader', leaderId: '5', leaderAddress: '10.77.1.5', term: '4' });
    await runner.notify(context);
    expect(lines(out)).toEqual(['follower 3']);
    expect(logger.debugs.some((d) => /skipped on-follower hook: same state, leader and term/.test(d.msg))).toBe(true);
  });

  it('runs a hook again for the same context once a new transition reached an idle runner', async () => {
    const out = join(dir, 'again.txt');
    const runner = new HookRunner(slowRecorder(out, '0'), 5_000, recordingLogger());
    await runner.notify(context);
    await runner.notify(context);
    expect(lines(out)).toEqual(['follower 3', 'follower 3']);
  });

  it('a newer state without a hook drops the waiting one', async () => {
    const out = join(dir, 'nohook.txt');
    const logger = recordingLogger();
    const runner = new HookRunner({ leader: slowRecorder(out).leader }, 5_000, logger);
    void runner.notify(transition(2));
    void runner.notify(transition(4));
    await runner.notify(transition(5)); // follower: no --on-follower
    expect(lines(out)).toEqual(['leader 2']);
  });

  it('supersede() drops the waiting hook (the node left that state) and lets the running one finish', async () => {
    const out = join(dir, 'supersede.txt');
    const logger = recordingLogger();
    const runner = new HookRunner(slowRecorder(out), 5_000, logger);
    void runner.notify(transition(1));
    void runner.notify(transition(2));
    runner.supersede('fault');
    await runner.idle();
    expect(lines(out)).toEqual(['follower 1']);
    expect(logger.debugs.some((d) => /waiting on-leader hook dropped: the state is now fault/.test(d.msg))).toBe(true);
  });

  it('killAll() kills the running hook, drops the waiting one and ignores later notifications', async () => {
    const out = join(dir, 'killed.txt');
    const logger = recordingLogger();
    const runner = new HookRunner(slowRecorder(out, '10'), 20_000, logger);
    void runner.notify(transition(1));
    void runner.notify(transition(2));
    await new Promise((r) => setTimeout(r, 100)); // let the shell start
    const started = Date.now();
    runner.killAll();
    void runner.notify(transition(3));
    await runner.idle();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(lines(out)).toEqual([]);
    expect(logger.errors).toEqual(['on-follower hook killed by SIGTERM']);
  });

  it('--notify runs as `CMD STATE` after the state\'s own command, with the environment', async () => {
    const out = join(dir, 'notify.txt');
    const runner = new HookRunner({ leader: `echo own >> ${out}`, notify: `printf '%s %s\\n' "$MULTIBULLY_STATE" >> ${out}` }, 5_000, recordingLogger());
    await runner.notify({ ...context, state: 'leader' });
    // "$@" is appended: the state is the first argument (printf's second %s), the environment has it too.
    expect(lines(out)).toEqual(['own', 'leader leader']);
    await runner.notify(context);
    expect(lines(out)).toEqual(['own', 'leader leader', 'follower follower']);
  });

  it('runs --on-fault with the reason, and --notify for a state without its own command', async () => {
    const out = join(dir, 'fault.txt');
    const notifyOut = join(dir, 'fault-notify.txt');
    const runner = new HookRunner({ fault: `echo "$MULTIBULLY_STATE $MULTIBULLY_REASON [$MULTIBULLY_LEADER_ID]" >> ${out}`, notify: `echo >> ${notifyOut}` }, 5_000, recordingLogger());
    expect(runner.hooks('fault')).toBe(true);
    expect(runner.hooks('candidate' as never)).toBe(true); // --notify alone hooks every state it is called for
    await runner.notify({ state: 'fault', id: '5', term: '3', leaderId: '', leaderAddress: '', reason: 'nic-down' });
    expect(lines(out)).toEqual(['fault nic-down []']);
    // `echo >> FILE` + the state: `echo >> FILE fault`.
    expect(readFileSync(notifyOut, 'utf8')).toBe('fault\n');
    const bare = new HookRunner({ leader: 'true' }, 5_000, recordingLogger());
    expect(bare.hooks('fault')).toBe(false);
    expect(bare.hooks('stopped')).toBe(false);
  });

  it('names the failing hook: on-stop, notify (state)', async () => {
    const logger = recordingLogger();
    const runner = new HookRunner({ stopped: 'exit 4', notify: 'exit 5' }, 5_000, logger);
    await runner.runFinal({ state: 'stopped', id: '5', term: '3', leaderId: '', leaderAddress: '', reason: 'SIGTERM' }, 5_000);
    expect(logger.errors).toEqual(['on-stop hook exited with code 4', 'notify hook (stopped) exited with code 5']);
  });

  it('a timed-out hook is killed with its process group: the commands it started die too', async () => {
    const pidFile = join(dir, 'timeout-child.pid');
    const logger = recordingLogger();
    const runner = new HookRunner({ leader: `sleep 30 & echo $! > ${pidFile}; wait` }, 400, logger);
    await runner.notify({ ...context, state: 'leader' });
    const grandchild = Number((await waitForFile(pidFile)).trim());
    expect(grandchild).toBeGreaterThan(1);
    expect(await waitUntilDead(grandchild)).toBe(true);
    expect(logger.errors).toEqual(['on-leader hook timed out after 400 ms (killed with its process group)']);
  });

  it('shutdown() lets a quick hook finish within the grace period, killing nothing', async () => {
    const out = join(dir, 'grace.txt');
    const logger = recordingLogger();
    const runner = new HookRunner({ leader: `sleep 0.1; echo done >> ${out}` }, 5_000, logger);
    void runner.notify({ ...context, state: 'leader' });
    await new Promise((r) => setTimeout(r, 30));
    await runner.shutdown(3_000);
    expect(lines(out)).toEqual(['done']);
    expect(logger.warns).toEqual([]);
  });

  it('shutdown() kills a hook still running after the grace period with its process group, with a log line', async () => {
    const pidFile = join(dir, 'shutdown-child.pid');
    const logger = recordingLogger();
    const runner = new HookRunner({ follower: `sleep 30 & echo $! > ${pidFile}; wait` }, 20_000, logger);
    void runner.notify(context);
    const grandchild = Number((await waitForFile(pidFile)).trim());
    const started = Date.now();
    await runner.shutdown(300, 200);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3_000);
    expect(await waitUntilDead(grandchild)).toBe(true);
    expect(logger.warns).toHaveLength(1);
    expect(logger.warns[0]).toMatch(/^killing the on-follower hook and its process group with SIGTERM: still running 300 ms after the stop signal$/);
    expect(logger.errors).toEqual(['on-follower hook killed by SIGTERM']);
  });

  it('shutdown() escalates to SIGKILL for a hook that ignores SIGTERM', async () => {
    const ready = join(dir, 'stubborn.ready');
    const logger = recordingLogger();
    const runner = new HookRunner({ follower: `trap '' TERM; echo > ${ready}; while :; do sleep 0.05; done` }, 20_000, logger);
    void runner.notify(context);
    await waitForFile(ready);
    await runner.shutdown(100, 200);
    await runner.idle();
    expect(logger.warns.map((w) => w.replace(/:.*/, ''))).toEqual([
      'killing the on-follower hook and its process group with SIGTERM',
      'killing the on-follower hook and its process group with SIGKILL',
    ]);
    expect(logger.errors).toEqual(['on-follower hook killed by SIGKILL']);
  });

  it('runFinal() runs the stop hooks once, bounded by the deadline, and kills one that outlives it', async () => {
    const out = join(dir, 'final.txt');
    const logger = recordingLogger();
    const stopped = { state: 'stopped' as const, id: '5', term: '3', leaderId: '', leaderAddress: '', reason: 'SIGTERM' };
    const runner = new HookRunner({ stopped: `echo "$MULTIBULLY_STATE $MULTIBULLY_REASON" >> ${out}`, notify: `echo notify >> ${out}` }, 5_000, logger);
    await runner.shutdown(100);
    // Closed to notifications, but the final hooks still run.
    await runner.notify({ ...context, state: 'leader' });
    await runner.runFinal(stopped, 5_000);
    expect(lines(out)).toEqual(['stopped SIGTERM', 'notify stopped']);

    const slow = new HookRunner({ stopped: 'sleep 30' }, 20_000, logger);
    const started = Date.now();
    await slow.runFinal(stopped, 300);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(logger.errors.at(-1)).toBe('on-stop hook was killed with its process group at the shutdown deadline (300 ms)');
  });
});
