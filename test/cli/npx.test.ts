// No ghosts under npx: `npx multibully …` runs the CLI as npm exec → sh -c → node. SIGTERM to the
// npx process must not leave the CLI behind as a leader nobody supervises: it prints `stopped`
// and no process of the group is left after 2 s. Loopback only.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_PATH, sleep, testPort } from './cli-node';

const REPO = resolve(__dirname, '../..');
const project = mkdtempSync(join(tmpdir(), 'mb-npx-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Like a user's project after `npm install multibully` (as test/cli/readme-walkthrough.test.ts does). */
function installInto(dir: string): void {
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(REPO, join(dir, 'node_modules', 'multibully'));
  symlinkSync('../multibully/dist/cli/main.js', join(dir, 'node_modules', '.bin', 'multibully'));
}

/** Live (non-zombie) processes of a process group, with their command lines. */
function groupMembers(pgid: number): Array<{ pid: number; cmd: string }> {
  const members: Array<{ pid: number; cmd: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so split after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid || state === 'Z') continue;
      members.push({ pid: Number(entry), cmd: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

describe.skipIf(process.platform !== 'linux')('npx multibully', () => {
  it('SIGTERM to the npx process: the CLI prints stopped, and no process is left after 2 s', async () => {
    expect(readFileSync(CLI_PATH, 'utf8').length).toBeGreaterThan(0); // dist/ is built
    installInto(project);
    const port = testPort();
    // Detached: npx leads a new process group, which its shell and the CLI join.
    const npx = spawn('npx', ['--no-install', 'multibully', '--interface', 'lo', '--address', `239.77.0.9:${port}`, '--id', '3', '--heartbeat', '50'], {
      cwd: project,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
    });
    const pgid = npx.pid!;
    let stdout = '';
    let stderr = '';
    npx.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    npx.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // The pipe closes once every writer (npx, its shell, the CLI) has exited.
    const stdoutClosed = new Promise<void>((done) => npx.stdout.once('close', () => done()));
    const npxExited = new Promise<number | null>((done) => npx.once('exit', (code, signal) => done(code ?? (signal ? 128 + 15 : null))));
    try {
      const deadline = Date.now() + 30_000;
      while (!/"event":"leader"/.test(stdout) && Date.now() < deadline) await sleep(20);
      expect(stdout, stderr).toMatch(/"event":"leader"/);
      const cli = groupMembers(pgid).find((p) => p.cmd.includes('multibully') && p.cmd.includes(`239.77.0.9:${port}`) && p.pid !== pgid && !p.cmd.startsWith('sh '));
      expect(cli, JSON.stringify(groupMembers(pgid))).toBeDefined();

      const signalledAt = Date.now();
      process.kill(pgid, 'SIGTERM'); // the npx process only, as `kill -TERM <npx pid>` does
      expect(await npxExited).not.toBeNull();
      await Promise.race([stdoutClosed, sleep(2_000)]);
      await sleep(Math.max(0, 2_000 - (Date.now() - signalledAt)));
      expect(groupMembers(pgid), stderr).toEqual([]);
      const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string; id: string });
      expect(lines.at(-1)).toMatchObject({ event: 'stopped', id: '3' });
      expect(stderr).toMatch(/the parent process \(pid \d+\) exited; resigning and exiting/);
    } finally {
      for (const { pid } of groupMembers(pgid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
});
