// Runs the README's walkthrough block verbatim (three CLI hosts in namespaces, kill -9 of the
// leader), so the README and what actually works cannot drift apart.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lanSupport } from '../lan';
import { CLI_PATH } from './cli-node';

const support = lanSupport();
if (!support.ok) console.log(`skipping README walkthrough: ${support.reason}`);

const REPO = resolve(__dirname, '../..');
const NAMESPACES = ['mbdemo-h1', 'mbdemo-h2', 'mbdemo-h3', 'mbdemo-sw'];
const HEARTBEAT_MS = 100;
const MISSES = 3;
// Generous: about 3 × the detection bound. The exact figure belongs to bench/.
const FAILOVER_BOUND_MS = 3 * ((MISSES + 0.5) * HEARTBEAT_MS + HEARTBEAT_MS / 5);

export function walkthroughBlock(readme: string): string {
  const marked = /<!-- walkthrough:begin -->\s*```bash\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!marked) throw new Error('README.md has no ```bash block between the walkthrough markers');
  return marked[1]!;
}

/** Like a user's project after `npm install multibully`: npx finds the package in node_modules. */
function installedProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mbdemo-'));
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(REPO, join(dir, 'node_modules', 'multibully'));
  symlinkSync('../multibully/dist/cli/main.js', join(dir, 'node_modules', '.bin', 'multibully'));
  return dir;
}

function removeLeftovers(): void {
  for (const netns of NAMESPACES) {
    try {
      const pids = execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
      for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    } catch {
      // not there: nothing to remove
    }
  }
}

function runBash(script: string, cwd: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-e', '-c', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

function transitions(file: string): Array<{ time: number; event: string; id: string; leader: { id: string; address: string } | null }> {
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe('README walkthrough', () => {
  it('has one bash block between the markers that uses only mbdemo-* namespaces', () => {
    const block = walkthroughBlock(readFileSync(join(REPO, 'README.md'), 'utf8'));
    expect(block).toContain('npx multibully --interface eth0 --address 239.77.0.1:9999');
    expect(block).toContain('stop_host mbdemo-h3 9');
    const created = [...block.matchAll(/ip netns add (\S+)/g)].map((m) => m[1]);
    expect(created.length).toBeGreaterThan(0);
    for (const name of created) expect(name).toMatch(/^mbdemo-/);
    // Nothing is configured in the root namespace: every link command names a namespace.
    for (const line of block.split('\n').filter((l) => /^\s*ip (link|addr)/.test(l))) expect(line).toMatch(/ -n mbdemo-|netns mbdemo-/);
  });

  it.skipIf(!support.ok)('runs as written: the survivors agree on the new leader within the bound, and nothing is left behind', async () => {
    expect(readFileSync(CLI_PATH, 'utf8').length).toBeGreaterThan(0); // dist/ is built
    const block = walkthroughBlock(readFileSync(join(REPO, 'README.md'), 'utf8'));
    const dir = installedProject();
    try {
      const result = await runBash(block, dir, 45_000);
      expect(result.code, result.stderr).toBe(0);
      const h3 = transitions(join(dir, 'mbdemo-h3.log'));
      expect(h3.some((t) => t.event === 'leader' && t.id === '3')).toBe(true);
      // What step 3 prints: both survivors on id 2, each within the bound after the kill.
      const reports = result.stdout.split('\n').filter((line) => / of \d+ \(/.test(line));
      expect(reports).toHaveLength(2);
      const parsed = reports.map((line) => /^(h\d): (leader|follower) of (\d+) \(([^)]+)\), (-?\d+) ms after the kill$/.exec(line));
      expect(parsed.map((m) => m && [m[1], m[2], m[3], m[4]])).toEqual([
        ['h1', 'follower', '2', '10.77.1.2'],
        ['h2', 'leader', '2', '10.77.1.2'],
      ]);
      for (const m of parsed) {
        const ms = Number(m![5]);
        expect(ms).toBeGreaterThan(0);
        expect(ms).toBeLessThan(FAILOVER_BOUND_MS);
      }
      // Step 4 cleaned up: the survivors resigned and exited, the namespaces are gone.
      for (const i of [1, 2]) expect(transitions(join(dir, `mbdemo-h${i}.log`)).at(-1)!.event).toBe('stopped');
      const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
      for (const netns of NAMESPACES) expect(left).not.toContain(netns);
    } finally {
      removeLeftovers();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
