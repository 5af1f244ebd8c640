// Makes the tarball exactly as a fresh clone would: copies the working tree's files that git
// would commit (tracked and untracked-but-not-ignored; no node_modules, build/, dist/,
// prebuilds/), runs `npm install` (which compiles the addon, as nothing is prebuilt in a clone)
// and `npm pack` (whose prepack builds dist/ and both prebuilds). Then installs the tarball
// with --ignore-scripts into an empty scratch project, as a user without a compiler would.
//
// MULTIBULLY_PACKAGE_TARBALL=<file> skips the clone and pack and tests that tarball instead.
// MULTIBULLY_KEEP_SCRATCH=1 keeps the scratch directory for inspection.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, run } from './exec';

/** The part of vitest's TestProject used here (its module is ESM-only; this file is CommonJS). */
interface Provider {
  provide(key: 'tarball' | 'clone' | 'consumer' | 'scratch', value: string): void;
}

export default function setup(project: Provider): () => void {
  const started = Date.now();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'multibully-package-'));
  const log = (text: string): void => void process.stderr.write(`package suite: ${text} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  const clone = path.join(scratch, 'clone');
  let tarball = process.env.MULTIBULLY_PACKAGE_TARBALL;

  if (tarball) {
    tarball = path.resolve(tarball);
    log(`testing the given tarball ${tarball}`);
  } else {
    const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT })
      .split('\0')
      .filter((f) => f && fs.existsSync(path.join(ROOT, f)));
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, file), path.join(clone, file));
    }
    for (const absent of ['node_modules', 'build', 'dist', 'prebuilds']) {
      if (fs.existsSync(path.join(clone, absent))) throw new Error(`the fresh copy unexpectedly has ${absent}/`);
    }
    log(`copied ${files.length} files as a fresh clone into ${clone}; npm install`);
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: clone, timeout: 600_000 });
    log('npm pack (prepack: dist/ and the linux-x64 and linux-arm64 prebuilds)');
    // (Not --json: the prepack's build output shares npm's stdout.)
    const dest = path.join(scratch, 'packed');
    fs.mkdirSync(dest);
    run('npm', ['pack', '--pack-destination', dest], { cwd: clone, timeout: 600_000 });
    const tarballs = fs.readdirSync(dest).filter((f) => f.endsWith('.tgz'));
    if (tarballs.length !== 1) throw new Error(`npm pack made ${tarballs.join(', ') || 'no tarball'}`);
    tarball = path.join(dest, tarballs[0]!);
    log(`packed ${path.basename(tarball)}`);
  }

  const consumer = path.join(scratch, 'consumer');
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  run('npm', ['install', tarball, '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: consumer });
  log('installed the tarball into an empty project with --ignore-scripts');

  project.provide('tarball', tarball);
  project.provide('clone', clone);
  project.provide('consumer', consumer);
  project.provide('scratch', scratch);
  return () => {
    if (process.env.MULTIBULLY_KEEP_SCRATCH === '1') log(`kept ${scratch}`);
    else fs.rmSync(scratch, { recursive: true, force: true });
  };
}
