// scripts/prebuilds.mjs (npm pack's prepack): without the arm64 cross toolchain it fails at once,
// naming the x64-only switch; MULTIBULLY_PREBUILDS=x64 builds the x64 prebuild alone; a build
// that fails leaves no scratch copy behind (process.exit used to skip the cleanup).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { attemptAsync, listFiles, provided, ROOT } from './support';

const SCRIPT = path.join(ROOT, 'scripts', 'prebuilds.mjs');

describe('scripts/prebuilds.mjs', () => {
  let work: string;
  /** A PATH with node and sh only: no cross compiler (nor any compiler). */
  let bareBin: string;
  beforeAll(() => {
    work = path.join(provided().scratch, 'prebuilds-script');
    bareBin = path.join(work, 'bin');
    fs.mkdirSync(bareBin, { recursive: true });
    fs.symlinkSync(process.execPath, path.join(bareBin, 'node'));
    fs.symlinkSync('/bin/sh', path.join(bareBin, 'sh'));
  });

  /** Runs the script with its own TMPDIR and --out, both fresh; resolves with what is left in them. */
  async function prebuilds(name: string, env: NodeJS.ProcessEnv) {
    const tmp = path.join(work, `${name}-tmp`);
    const out = path.join(work, `${name}-out`);
    fs.mkdirSync(tmp);
    fs.mkdirSync(out);
    const result = await attemptAsync(process.execPath, [SCRIPT, '--out', out], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp, ...env }, timeout: 300_000 });
    return { ...result, leftInTmp: fs.readdirSync(tmp), built: listFiles(out) };
  }

  it('without the aarch64 cross toolchain: fails before building anything, naming MULTIBULLY_PREBUILDS=x64 npm pack', async () => {
    const result = await prebuilds('no-cross', { PATH: bareBin });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^prebuilds: aarch64-linux-gnu-gcc, .* not found: .*or pack the x64 prebuild only: MULTIBULLY_PREBUILDS=x64 npm pack\n$/);
    expect(result.built).toEqual([]);
    expect(result.leftInTmp).toEqual([]);
  });

  it('a build that fails removes its scratch copy (and prebuildify\'s cache in it)', async () => {
    const result = await prebuilds('failing', { MULTIBULLY_PREBUILDS: 'x64', CC: '/bin/false', CXX: '/bin/false' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('prebuilds: prebuildify for linux-x64 failed');
    expect(result.leftInTmp).toEqual([]);
    expect(result.built).toEqual([]);
  });

  it('MULTIBULLY_PREBUILDS=x64 builds the linux-x64 prebuild alone', async () => {
    const result = await prebuilds('x64-only', { MULTIBULLY_PREBUILDS: 'x64' });
    expect(result.stderr).toContain('prebuilds: wrote');
    expect(result.status).toBe(0);
    expect(result.built).toEqual(['prebuilds/linux-x64/multibully.glibc.node']);
    expect(result.leftInTmp).toEqual([]);
  });

  it('refuses an architecture it cannot build', async () => {
    const result = await prebuilds('bad-arch', { MULTIBULLY_PREBUILDS: 'sparc' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('prebuilds: unsupported architecture sparc (x64, arm64; from --arch or MULTIBULLY_PREBUILDS)\n');
  });
});
