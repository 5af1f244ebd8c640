// The README's examples in the project a new user makes: `npm init -y` (a CommonJS package),
// `npm install <tarball> typescript@X @types/node`, `npx tsc --init`, the examples as files
// (ES modules as .mts, the CommonJS one as .ts), `npx tsc -p . --noEmit`. With TypeScript 5.9 and
// 7 (`npm i typescript` installs 7 now): both write `types: []`, so without a reference to Node's
// types in the package's own .d.ts, `node:events` is unknown and Participant has no `on`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleFiles, readmeLibraryExamples } from './readme-examples';
import { attemptAsync, provided, runAsync } from './support';

const NPM_FLAGS = ['--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'];

async function defaultProject(name: string, typescript: string): Promise<string> {
  const { tarball, scratch, consumer } = provided();
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir);
  await runAsync('npm', ['init', '-y'], { cwd: dir });
  await runAsync('npm', ['install', tarball, `typescript@${typescript}`, '@types/node', ...NPM_FLAGS], { cwd: dir, timeout: 300_000 });
  await runAsync('npx', ['--no-install', 'tsc', '--init'], { cwd: dir });
  const readme = fs.readFileSync(path.join(consumer, 'node_modules', 'multibully', 'README.md'), 'utf8');
  for (const [file, code] of Object.entries(exampleFiles(readmeLibraryExamples(readme), 'ts'))) fs.writeFileSync(path.join(dir, file), code);
  return dir;
}

describe.each([
  { typescript: '5.9', major: '5.9.' },
  { typescript: '7', major: '7.' },
])('the README examples in a default `npm init` + `tsc --init` project, TypeScript $typescript', ({ typescript, major }) => {
  it('compile without any change to the generated tsconfig', async () => {
    const dir = await defaultProject(`default-ts-${typescript}`, typescript);
    const version = await runAsync('npx', ['--no-install', 'tsc', '--version'], { cwd: dir });
    expect(version).toMatch(new RegExp(`^Version ${major.replace(/\./g, '\\.')}`));
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: string };
    expect(pkg.type ?? 'commonjs').toBe('commonjs'); // what npm init makes: the .ts example is CommonJS
    const tsconfig = fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8');
    expect(tsconfig).toMatch(/"types": \[\]/); // the trap: no @types package is loaded by default
    const files = fs.readdirSync(dir).filter((f) => /^readme-\d+\.m?ts$/.test(f));
    expect(files.filter((f) => f.endsWith('.mts')).length).toBeGreaterThanOrEqual(4);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.mts'))).toHaveLength(1);
    const result = await attemptAsync('npx', ['--no-install', 'tsc', '-p', '.', '--noEmit'], { cwd: dir, timeout: 180_000 });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
