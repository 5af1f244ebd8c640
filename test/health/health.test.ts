import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthCheck, HealthMonitor, PriorityFile, checkInput, commandProbe, type HealthCheckOptions } from '../../lib/health';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A check whose probe answers from a script of outcomes (true: success), then the last one forever. */
function scripted(outcomes: boolean[], options: Partial<HealthCheckOptions> = {}): { check: HealthCheck; states: string[] } {
  let i = 0;
  const check = new HealthCheck({ name: 'scripted', intervalMs: 10, run: () => outcomes[Math.min(i++, outcomes.length - 1)], ...options });
  const states: string[] = [];
  check.on('change', (status) => states.push(status.state));
  return { check, states };
}

describe('HealthCheck', () => {
  it('turns bad after fall failures in a row and good after rise successes in a row, not on a flap', async () => {
    const { check, states } = scripted([false, true, false, false, true, true, false, true, true, true], { rise: 3, fall: 2 });
    check.start();
    await until(() => check.status.successes + check.status.failures >= 12, 2_000, '12 runs');
    check.stop();
    // F T F F(bad) T T F T T T(good): one bad, one good.
    expect(states).toEqual(['bad', 'good']);
    expect(check.state).toBe('good');
  });

  it('starts bad with initFail and counts every run', async () => {
    const { check, states } = scripted([true], { initFail: true, rise: 2 });
    expect(check.state).toBe('bad');
    check.start();
    await until(() => check.state === 'good', 1_000, 'good');
    check.stop();
    expect(states).toEqual(['good']);
    expect(check.status.successes).toBeGreaterThanOrEqual(2);
    expect(check.status.failures).toBe(0);
  });

  it('aborts a run that outlives timeoutMs and counts it as a failure, with the reason', async () => {
    let aborted = false;
    const check = new HealthCheck({
      name: 'slow', intervalMs: 50, timeoutMs: 20,
      run: (signal) => new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      }),
    });
    check.start();
    await until(() => check.state === 'bad', 1_000, 'bad');
    check.stop();
    expect(aborted).toBe(true);
    expect(check.status.lastError).toBe('timed out after 20 ms');
  });

  it('takes a thrown error as a failure and keeps its message', async () => {
    const check = new HealthCheck({ name: 'throws', intervalMs: 10, run: async () => { throw new Error('connection refused'); } });
    check.start();
    await until(() => check.state === 'bad', 1_000, 'bad');
    check.stop();
    expect(check.status).toMatchObject({ name: 'throws', state: 'bad', weight: 0, lastError: 'connection refused' });
  });

  it.each([
    [{ name: '' }, /name must be a non-empty string/],
    [{ run: 5 }, /run must be a function/],
    [{ weight: 254 }, /weight must be an integer in -253\.\.253/],
    [{ weight: -254 }, /weight must be an integer in -253\.\.253/],
    [{ rise: 0 }, /rise must be an integer in 1\.\./],
    [{ fall: 1.5 }, /fall must be an integer in 1\.\./],
    [{ intervalMs: 5 }, /intervalMs must be an integer in 10\.\./],
    [{ timeoutMs: 0 }, /timeoutMs must be an integer in 1\.\./],
    [{ initFail: 'yes' }, /initFail must be a boolean/],
    [{ bogus: 1 }, /unknown checks\[2\] option "bogus"/],
  ])('rejects %j with a clear error', (change, message) => {
    expect(() => new HealthCheck({ name: 'c', run: () => true, ...change } as HealthCheckOptions, 'checks[2]')).toThrow(message);
  });
});

describe('commandProbe', () => {
  it('succeeds on exit 0, fails with the exit code, and a timeout kills what the command started', async () => {
    await expect(Promise.resolve(commandProbe('true')(new AbortController().signal))).resolves.toBeUndefined();
    await expect(Promise.resolve(commandProbe('exit 3')(new AbortController().signal))).rejects.toThrow(/exited with code 3/);
    const dir = mkdtempSync(join(tmpdir(), 'mb-check-'));
    try {
      const marker = join(dir, 'survived');
      const check = new HealthCheck({ name: 'sleeper', intervalMs: 5_000, timeoutMs: 100, run: commandProbe(`(sleep 0.5; touch ${marker}) & sleep 5`) });
      check.start();
      await until(() => check.state === 'bad', 3_000, 'bad');
      check.stop();
      await sleep(800);
      expect(existsSync(marker)).toBe(false); // the backgrounded child died with the group
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PriorityFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mb-prio-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds the number in the file, re-read on change (a rename included); a missing or garbage file faults with the reason', async () => {
    const path = join(dir, 'priority');
    const file = new PriorityFile(path);
    expect(file.fault()).toMatch(/priority file .*: cannot read it \(ENOENT\)/);
    expect(file.contribution()).toBe(0);
    let changes = 0;
    file.on('change', () => changes++);
    file.start();
    writeFileSync(path, '-50\n');
    await until(() => file.contribution() === -50, 3_000, '-50');
    expect(file.fault()).toBeUndefined();
    writeFileSync(join(dir, 'next'), '20');
    renameSync(join(dir, 'next'), path);
    await until(() => file.contribution() === 20, 3_000, '20 after a rename');
    writeFileSync(path, 'high');
    await until(() => file.fault() !== undefined, 3_000, 'garbage');
    expect(file.fault()).toMatch(/"high" is not an integer in -253\.\.253/);
    expect(file.contribution()).toBe(0);
    file.stop();
    expect(changes).toBeGreaterThanOrEqual(3);
    expect(file.status).toMatchObject({ name: 'priority-file', state: 'bad' });
  });
});

describe('HealthMonitor', () => {
  const fixed = (name: string, weight: number, state: 'good' | 'bad') => {
    const check = new HealthCheck({ name, weight, initFail: state === 'bad', run: () => state === 'good' });
    return checkInput(check);
  };

  it('effective priority = base + negative weights of bad checks + positive weights of good ones, clamped to 1..254', () => {
    expect(new HealthMonitor(100, [fixed('a', -30, 'bad'), fixed('b', -40, 'good'), fixed('c', 25, 'good'), fixed('d', 70, 'bad')]).effectivePriority).toBe(95);
    expect(new HealthMonitor(100, [fixed('a', -200, 'bad')]).effectivePriority).toBe(1);
    expect(new HealthMonitor(200, [fixed('a', 200, 'good')]).effectivePriority).toBe(254);
    const monitor = new HealthMonitor(100, []);
    monitor.base = 150;
    expect(monitor.effectivePriority).toBe(150);
  });

  it('a bad weight-0 check faults the node, naming the check; a weighted one does not', () => {
    expect(new HealthMonitor(100, [fixed('haproxy', -50, 'bad')]).fault).toBeUndefined();
    expect(new HealthMonitor(100, [fixed('haproxy', 0, 'bad')]).fault).toMatch(/check haproxy failed/);
    expect(new HealthMonitor(100, [fixed('haproxy', 0, 'good')]).fault).toBeUndefined();
  });
});
