// The tarball `npm pack` makes from a fresh clone: exactly the files a user needs (compiled
// JavaScript with typings, both glibc-tagged prebuilds, the addon's sources for a source build,
// the docs the README links to, LICENSE), and nothing else.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { elfMachine, listFiles, provided, ROOT, run } from './support';

describe('the packed tarball', () => {
  let entries: string[];
  let source: string;
  let unpacked: string;

  beforeAll(() => {
    const { tarball, clone, scratch } = provided();
    // The clone is the source of the tarball; with MULTIBULLY_PACKAGE_TARBALL it is the repository.
    source = fs.existsSync(clone) ? clone : ROOT;
    entries = run('tar', ['-tzf', tarball], { cwd: scratch })
      .split('\n')
      .filter((line) => line && !line.endsWith('/'))
      .map((line) => line.replace(/^package\//, ''))
      .sort();
    unpacked = path.join(scratch, 'unpacked');
    fs.mkdirSync(unpacked, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', unpacked], { cwd: scratch });
    unpacked = path.join(unpacked, 'package');
  });

  it('holds exactly dist/, native/, docs/, both prebuilds and the top-level files', () => {
    const libSources = listFiles(path.join(source, 'lib')).filter((f) => f.endsWith('.ts'));
    expect(libSources.length).toBeGreaterThan(10);
    const dist = libSources.flatMap((f) => {
      const base = `dist/${f.slice(0, -'.ts'.length)}`;
      return [`${base}.js`, `${base}.js.map`, `${base}.d.ts`];
    });
    const expected = [
      'LICENSE',
      'README.md',
      'binding.gyp',
      'package.json',
      ...dist,
      ...listFiles(path.join(source, 'docs')).map((f) => `docs/${f}`),
      ...listFiles(path.join(source, 'native')).map((f) => `native/${f}`),
      'prebuilds/linux-arm64/multibully.glibc.node',
      'prebuilds/linux-x64/multibully.glibc.node',
    ].sort();
    expect(entries).toEqual(expected);
    // Spelled out, what must never ship:
    for (const prefix of ['test/', 'build/', 'lib/', 'scripts/', 'bench/', '.ci/', 'node_modules/']) {
      expect(entries.filter((e) => e.startsWith(prefix))).toEqual([]);
    }
  });

  it('ships a stripped x86-64 and a stripped AArch64 prebuild', () => {
    const x64 = path.join(unpacked, 'prebuilds/linux-x64/multibully.glibc.node');
    const arm64 = path.join(unpacked, 'prebuilds/linux-arm64/multibully.glibc.node');
    expect(elfMachine(x64)).toBe(62);
    expect(elfMachine(arm64)).toBe(183);
    for (const file of [x64, arm64]) {
      const sections = run('readelf', ['-S', '-W', file], { cwd: unpacked });
      expect(sections).toContain('.dynsym'); // sanity: readelf read it
      expect(sections).not.toContain('.symtab'); // --strip
    }
  });

  it('ships LICENSE (MIT) and every docs/ file the README links to', () => {
    const license = fs.readFileSync(path.join(unpacked, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    expect(license).toContain('multibully contributors');
    const readme = fs.readFileSync(path.join(unpacked, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]!);
    expect(links).toContain('docs/PROTOCOL.md');
    expect(links).toContain('docs/SOCKET.md');
    for (const link of links) expect(entries).toContain(link);
  });

  it("has a package.json whose scripts do not misfire and that states the @types/node floor", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(unpacked, 'package.json'), 'utf8')) as {
      license: string;
      scripts: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    expect(pkg.license).toBe('MIT');
    // `prebuild` would be npm's pre-hook of `build`.
    expect(Object.keys(pkg.scripts).filter((name) => name.startsWith('pre') && name.slice(3) in pkg.scripts && name !== 'pretest' && name !== 'pretest:package')).toEqual([]);
    expect(pkg.scripts.prepack).toContain('prebuilds');
    expect(pkg.scripts.install).toBe('node-gyp-build');
    expect(pkg.peerDependencies?.['@types/node']).toBe('>=20.11.21');
    expect(pkg.peerDependenciesMeta?.['@types/node']?.optional).toBe(true);
  });

  it('installs the CLI executable', () => {
    const { consumer } = provided();
    const bin = fs.realpathSync(path.join(consumer, 'node_modules', '.bin', 'multibully'));
    expect(bin).toBe(path.join(consumer, 'node_modules', 'multibully', 'dist', 'cli', 'main.js'));
    expect(fs.statSync(bin).mode & 0o111).not.toBe(0);
  });
});
