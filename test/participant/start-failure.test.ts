// start() that fails (the NIC vanished after the constructor resolved it) releases its socket.
// Runs in a private network namespace made with `unshare -n`, which disappears with the process.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lanSupport } from '../lan';

const support = lanSupport();
if (!support.ok) console.log(`skipping start-failure namespace test: ${support.reason}`);

describe.skipIf(!support.ok)('a failed start()', () => {
  it('rejects with a code, closes the socket and reads stopped', () => {
    const result = spawnSync('unshare', ['-n', process.execPath, join(__dirname, 'fixtures/start-fails.cjs')], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stderr).toBe('');
    const outcome = JSON.parse(result.stdout) as { code?: string; message?: string; state: string; fdsBefore: number; fdsAfter: number; started?: boolean };
    expect(outcome.started).toBeUndefined();
    expect(outcome.code).toMatch(/^E/);
    expect(outcome.state).toBe('stopped');
    expect(outcome.fdsAfter).toBe(outcome.fdsBefore);
    expect(result.status).toBe(0);
  });
});
