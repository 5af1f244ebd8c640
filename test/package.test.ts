// The packed package installs without a compiler and loads its prebuilt addon, from both
// require() and import().
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..');
const NATIVE_INPUTS = ['binding.gyp', ...fs.readdirSync(path.join(ROOT, 'native')).map((f) => path.join('native', f))];
const PREBUILD_DIR = path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`);

function run(cmd: string, args: string[], cwd: string, timeout = 240_000): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The prebuild is stale when any native input is newer than it (or it does not exist). */
function prebuildIsCurrent(): boolean {
  if (!fs.existsSync(PREBUILD_DIR)) return false;
  const built = fs.readdirSync(PREBUILD_DIR).filter((f) => f.endsWith('.node'));
  if (built.length === 0) return false;
  const builtAt = Math.min(...built.map((f) => fs.statSync(path.join(PREBUILD_DIR, f)).mtimeMs));
  return NATIVE_INPUTS.every((f) => fs.statSync(path.join(ROOT, f)).mtimeMs <= builtAt);
}

describe('npm package', () => {
  let work: string;
  let project: string;
  let installed: string;

  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'socket', 'index.js'))) run('npm', ['run', 'build:ts'], ROOT);
    if (!prebuildIsCurrent()) run('npm', ['run', 'prebuild'], ROOT);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'multibully-pack-'));
    // --ignore-scripts: dist/ is already built; `prepare` would recompile the whole tree.
    const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT)) as Array<{ filename: string }>;
    const tarball = path.join(work, packed[0]!.filename);
    project = path.join(work, 'consumer');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    run('npm', ['install', tarball, '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], project);
    installed = path.join(project, 'node_modules', 'multibully');
  }, 300_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('ships the prebuilt addon and no local build', () => {
    expect(fs.existsSync(path.join(installed, 'build'))).toBe(false);
    const prebuilds = path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`);
    expect(fs.readdirSync(prebuilds).some((f) => f.endsWith('.node'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'dist', 'index.js'))).toBe(true);
  });

  const probe = `
    const names = m.listInterfaces().map((i) => i.name);
    const socket = new m.MulticastSocket({ family: 4 });
    socket.bind(0);
    const port = socket.address().port;
    socket.close();
    process.stdout.write(JSON.stringify({ names, port, hasSocket: typeof m.MulticastSocket }));
  `;

  it('loads with require("multibully")', () => {
    const out = run(process.execPath, ['-e', `const m = require('multibully');${probe}`], project, 30_000);
    const result = JSON.parse(out) as { names: string[]; port: number; hasSocket: string };
    expect(result.names).toContain('lo');
    expect(result.port).toBeGreaterThan(0);
    expect(result.hasSocket).toBe('function');
  });

  it('loads with import("multibully")', () => {
    const out = run(process.execPath, ['--input-type=module', '-e', `const m = await import('multibully');${probe}`], project, 30_000);
    const result = JSON.parse(out) as { names: string[]; port: number };
    expect(result.names).toContain('lo');
    expect(result.port).toBeGreaterThan(0);
  });
});
