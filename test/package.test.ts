// Quick checks of the packaging description (package.json, the build scripts). The slow end-to-end
// package suite — pack a fresh clone, both prebuilds, Node 20/22/24, arm64 under qemu, typings —
// is test/package/, run by `npm run test:package`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  license: string;
  files: string[];
  scripts: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
};

describe('package.json', () => {
  it('has no script that npm would run as an unintended pre-/post-hook', () => {
    // e.g. a script named "prebuild" runs before every `npm run build`.
    const hooks = Object.keys(pkg.scripts).filter((name) => /^(pre|post)./.test(name));
    for (const hook of hooks) {
      const target = hook.replace(/^(pre|post)/, '');
      const intended = ['pretest', 'pretest:package', 'prepack', 'prepare'];
      if (target in pkg.scripts || ['pack', 'publish', 'install'].includes(target)) expect(intended).toContain(hook);
    }
    expect(pkg.scripts.prebuild).toBeUndefined();
  });

  it('builds both prebuilds when packing, with a script that exists', () => {
    expect(pkg.scripts.prepack).toMatch(/npm run build:ts/);
    expect(pkg.scripts.prepack).toMatch(/npm run prebuilds/);
    const script = pkg.scripts.prebuilds!.match(/^node (scripts\/\S+)$/)?.[1];
    expect(script).toBeDefined();
    const text = fs.readFileSync(path.join(ROOT, script!), 'utf8');
    expect(text).toContain("'--tag-libc'");
    expect(text).toContain("arches: ['x64', 'arm64']");
  });

  it('ships LICENSE, the docs the README links to, and what a source build needs', () => {
    expect(pkg.license).toBe('MIT');
    expect(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) multibully contributors\n/);
    for (const entry of ['LICENSE', 'README.md', 'docs/', 'dist/', 'prebuilds/', 'native/', 'binding.gyp']) expect(pkg.files).toContain(entry);
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([\w./-]+\.md)(?:#[^)]*)?\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      expect(fs.existsSync(path.join(ROOT, link))).toBe(true);
      expect(pkg.files.some((entry) => (entry.endsWith('/') ? link.startsWith(entry) : link === entry))).toBe(true);
    }
  });

  it('states the @types/node floor as an optional peer dependency the dev setup satisfies', () => {
    expect(pkg.peerDependencies?.['@types/node']).toBe('>=20.11.21');
    expect(pkg.peerDependenciesMeta?.['@types/node']?.optional).toBe(true);
    const installed = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string };
    const [major, minor] = installed.version.split('.').map(Number) as [number, number];
    const patch = Number(installed.version.split('.')[2]);
    expect(major > 20 || (major === 20 && (minor > 11 || (minor === 11 && patch >= 21)))).toBe(true);
  });

  it('keeps the slow package suite out of `npm test` and runs it with its own config', () => {
    expect(pkg.scripts['test:package']).toBe('vitest run --config vitest.package.config.mts');
    expect(fs.readFileSync(path.join(ROOT, 'vitest.config.mts'), 'utf8')).toContain("'test/package/**'");
    expect(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')).toContain('npm run test:package');
  });
});
