// The CLI's parent watch: a changed parent pid (the parent exited, we were re-parented) is noticed.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchParent } from '../../lib/cli/parent-watch';

describe('parent watch', () => {
  it('reports once when the parent pid changes, and not before', async () => {
    let ppid = 4242;
    const seen: Array<[number, number]> = [];
    const watch = watchParent((parent, now) => seen.push([parent, now]), { intervalMs: 10, ppid: () => ppid });
    expect(watch.parent).toBe(4242);
    await new Promise((r) => setTimeout(r, 60));
    expect(seen).toEqual([]);
    ppid = 1;
    await new Promise((r) => setTimeout(r, 60));
    ppid = 77;
    await new Promise((r) => setTimeout(r, 60));
    expect(seen).toEqual([[4242, 1]]);
    watch.stop();
  });

  it('stop() ends the watch', async () => {
    let ppid = 10;
    const seen: number[] = [];
    const watch = watchParent((_parent, now) => seen.push(now), { intervalMs: 10, ppid: () => ppid });
    watch.stop();
    ppid = 1;
    await new Promise((r) => setTimeout(r, 60));
    expect(seen).toEqual([]);
  });

  it('notices a real parent exiting (a shell that leaves its child behind)', async () => {
    // sh starts a node child that watches its parent, then exits at once: the child is re-parented.
    const lib = resolve(__dirname, '../../dist/cli/parent-watch.js'); // npm run build:ts
    const script = `const { watchParent } = require(${JSON.stringify(lib)});
      const w = watchParent((p, n) => { console.log(JSON.stringify({ parent: p, now: n, ppidAtStart: p })); process.exit(0); }, { intervalMs: 50 });
      console.log(JSON.stringify({ watching: w.parent })); setTimeout(() => process.exit(3), 10000);`;
    const shell = spawn('/bin/sh', ['-c', `${JSON.stringify(process.execPath)} -e "$0" & sleep 0.5; exit 0`, script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    shell.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    shell.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const deadline = Date.now() + 10_000;
    while (!/"now"/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(lines[0], err).toEqual({ watching: shell.pid });
    expect(lines[1]).toMatchObject({ parent: shell.pid });
    expect(lines[1]!.now).not.toBe(shell.pid);
  });
});
