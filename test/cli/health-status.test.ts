// The effective priority and each check reach the operator (issue 17): the status line and
// --status-file show them, hooks get MULTIBULLY_PRIORITY, and --priority-file adds its number.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testPort, waitForAgreement } from './cli-node';
import { localCliSuite, waitUntilFile } from './local-cli';

const suite = localCliSuite('mb-health-status-');

describe('priority and checks in status, hooks and the priority file (CLI on lo)', () => {
  it('status and --status-file show the effective priority and the checks; hooks get MULTIBULLY_PRIORITY', async () => {
    const statusFile = join(suite.dir, 'status.json');
    const hookFile = join(suite.dir, 'priority-from-hook');
    const node = suite.start([
      '--interface', 'lo', '--address', `239.255.17.1:${testPort()}`, '--id', '1', '--heartbeat', '50', '--priority', '150',
      '--check', 'true', '--check-name', 'always', '--check-interval', '50', '--check-weight', '20',
      '--check', 'false', '--check-name', 'never', '--check-interval', '50', '--check-weight', '-30',
      '--status-file', statusFile, '--on-leader', `echo "$MULTIBULLY_PRIORITY" > ${hookFile}`,
    ], 'node');
    await waitForAgreement([node], '1', 10_000);
    // 150 + 20 (good, positive weight) − 30 (bad, negative weight); at the hook, the failing check
    // may not have run yet (it starts good): 170.
    expect((await waitUntilFile(hookFile, (text) => text.trim() !== '')).trim()).toMatch(/^(140|170)$/);
    const status = JSON.parse(await waitUntilFile(statusFile, (text) => JSON.parse(text).priority === 140)) as { priority: number; checks: unknown[] };
    expect(status.checks).toEqual([
      expect.objectContaining({ name: 'always', state: 'good', weight: 20, failures: 0, lastError: null }),
      expect.objectContaining({ name: 'never', state: 'bad', weight: -30, lastError: expect.stringMatching(/exited with code 1/) }),
    ]);
  });

  it('--priority-file adds its number, re-read on change; a garbage file is a fault with the reason, never a crash', async () => {
    const priorityFile = join(suite.dir, 'priority');
    const statusFile = join(suite.dir, 'status-2.json');
    writeFileSync(priorityFile, '-40\n');
    const node = suite.start([
      '--interface', 'lo', '--address', `239.255.17.2:${testPort()}`, '--id', '1', '--heartbeat', '50',
      '--priority-file', priorityFile, '--status-file', statusFile,
    ], 'node');
    await waitForAgreement([node], '1', 10_000);
    await waitUntilFile(statusFile, (text) => JSON.parse(text).priority === 60);
    writeFileSync(priorityFile, '25');
    await waitUntilFile(statusFile, (text) => JSON.parse(text).priority === 125);
    writeFileSync(priorityFile, 'lots');
    const fault = await node.waitFor((e) => e.event === 'fault', 10_000, 'a fault');
    expect(fault).toMatchObject({ reason: 'check-failed' });
    expect(node.stderr).toMatch(/priority file .*: "lots" is not an integer/);
    writeFileSync(priorityFile, '0');
    await node.waitFor((e) => e.event === 'leader' && e.time > fault.time, 10_000, 'leadership again');
  });
});
