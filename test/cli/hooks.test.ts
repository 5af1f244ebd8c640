import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HookRunner, runHook, type HookContext } from '../../lib/cli/hooks';
import type { Logger } from '../../lib/participant/logger';

const dir = mkdtempSync(join(tmpdir(), 'mb-hooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const context: HookContext = { state: 'follower', id: '5', term: '3', leaderId: '9', leaderAddress: '10.77.1.9' };

function recordingLogger(): Logger & { errors: string[]; debugs: Array<{ fields: Record<string, unknown>; msg: string }> } {
  const errors: string[] = [];
  const debugs: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const noop = () => {};
  return {
    errors,
    debugs,
    debug: (obj: unknown, msg?: string) => debugs.push({ fields: obj as Record<string, unknown>, msg: String(msg) }),
    info: noop,
    warn: noop,
    error: (_obj: unknown, msg?: string) => errors.push(String(msg)),
  };
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
});
