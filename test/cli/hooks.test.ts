import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HookRunner, runHook, type HookContext } from '../../lib/cli/hooks';
import type { Logger } from '../../lib/participant/logger';

const dir = mkdtempSync(join(tmpdir(), 'mb-hooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const context: HookContext = { state: 'follower', id: '5', term: '3', leaderId: '9', leaderAddress: '10.77.1.9' };

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const noop = () => {};
  return { errors, debug: noop, info: noop, warn: noop, error: (_obj: unknown, msg?: string) => errors.push(String(msg)) };
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
});
