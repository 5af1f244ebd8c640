// The shipped docs say what the package does: the npm scripts they name exist, the classes and
// functions their code uses are exports, the README describes its getters as they are, the
// source maps point at sources a user has, and the Quick start works as written (a new app dir;
// an x64-only pack where the arm64 cross toolchain is missing).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listFiles, provided, run } from './support';

describe('the docs in the tarball', () => {
  let unpacked: string;
  let docs: Record<string, string>;

  beforeAll(() => {
    const { tarball, scratch } = provided();
    const into = path.join(scratch, 'docs-check');
    fs.mkdirSync(into, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', into], { cwd: scratch });
    unpacked = path.join(into, 'package');
    docs = Object.fromEntries(['README.md', ...listFiles(path.join(unpacked, 'docs')).map((f) => `docs/${f}`)].map((f) => [f, fs.readFileSync(path.join(unpacked, f), 'utf8')]));
  });

  it('name only npm scripts that exist (docs/SOCKET.md said `npm run prebuild`)', () => {
    const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(unpacked, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const named = Object.entries(docs).flatMap(([file, text]) => [...text.matchAll(/npm run ([\w:-]+)/g)].map((m) => `${file}: ${m[1]}`));
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((entry) => !scripts.includes(entry.split(': ')[1]!))).toEqual([]);
  });

  it('use, in their code, only classes and functions the package exports (docs/VIP.md showed VipManager and parseVip)', () => {
    const { consumer } = provided();
    const exported = new Set(Object.keys(require(path.join(consumer, 'node_modules', 'multibully')) as object));
    expect(exported.has('Participant')).toBe(true);
    const used = Object.entries(docs).flatMap(([file, text]) =>
      [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].flatMap((block) => [
        ...[...block[1]!.matchAll(/\bnew ([A-Z]\w*)\(/g)].map((m) => `${file}: ${m[1]}`),
        ...[...block[1]!.matchAll(/\b([A-Z]\w*)\.[a-z]\w*\(/g)].map((m) => `${file}: ${m[1]}`),
        ...[...block[1]!.matchAll(/import \{([^}]*)\} from 'multibully'/g)].flatMap((m) =>
          m[1]!.split(',').map((name) => name.trim()).filter((name) => name && !name.startsWith('type ')).map((name) => `${file}: ${name}`)),
      ]));
    expect(used.length).toBeGreaterThan(5);
    // Node's own globals (Buffer, AbortController, JSON, …) are not the package's to export.
    expect(used.filter((entry) => !exported.has(entry.split(': ')[1]!) && !(entry.split(': ')[1]! in globalThis))).toEqual([]);
  });

  it('describe the group getter as the object it is, not as text', () => {
    const readme = docs['README.md']!.replace(/\s+/g, ' ');
    expect(readme).toContain('`group` (an object, `{ group, port, family }`');
    expect(readme).not.toMatch(/`group` \(canonical text/);
  });

  it('ship source maps whose sources travel with them (lib/ is not shipped: the maps carry its text)', () => {
    const maps = listFiles(path.join(unpacked, 'dist')).filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(fs.readFileSync(path.join(unpacked, 'dist', map), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      sources.forEach((source, i) => {
        const shipped = fs.existsSync(path.resolve(path.dirname(path.join(unpacked, 'dist', map)), source));
        if (!shipped && typeof sourcesContent?.[i] !== 'string') missing.push(`${map}: ${source}`);
      });
    }
    expect(missing).toEqual([]);
  });

  it('the Quick start creates the app it installs into, and says how to pack without the arm64 cross toolchain', () => {
    const readme = docs['README.md']!;
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('### Prerequisites'));
    const block = /```sh\n([\s\S]*?)```/.exec(quick)![1]!;
    const mkdir = block.indexOf('mkdir ../my-app');
    expect(mkdir).toBeGreaterThan(0);
    expect(mkdir).toBeLessThan(block.indexOf('cd ../my-app'));
    expect(block).toMatch(/npm init -y/);
    expect(quick).toContain('MULTIBULLY_PREBUILDS=x64 npm pack');
  });

  it('the systemd example points at this package, not the Go library, and assumes no install prefix', () => {
    const { clone } = provided();
    const unit = fs.readFileSync(path.join(fs.existsSync(clone) ? clone : path.resolve(__dirname, '..', '..'), 'examples', 'multibully.service'), 'utf8');
    expect(unit).not.toMatch(/tomtaylor/);
    expect(unit).toMatch(/^ExecStart=multibully \\$/m);
  });
});
