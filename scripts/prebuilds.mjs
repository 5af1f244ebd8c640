#!/usr/bin/env node
// Builds the prebuilt addons the package ships, with prebuildify (--napi --strip --tag-libc):
//   prebuilds/linux-x64/multibully.glibc.node     (host compiler)
//   prebuilds/linux-arm64/multibully.glibc.node   (Debian's aarch64-linux-gnu cross compiler)
// N-API (NAPI_VERSION=8), so one binary serves every Node version ≥ 20. The libc tag lets
// node-gyp-build skip a glibc binary on musl (Alpine), where `npm install` then builds from source.
//
// Usage: node scripts/prebuilds.mjs [--arch x64,arm64] [--out DIR]   (default: both, into the repo)
// MULTIBULLY_PREBUILDS=x64 (a comma list) sets the default: `MULTIBULLY_PREBUILDS=x64 npm pack`
// packs without the arm64 cross toolchain (arm64 installs then compile the addon).
//
// Each build runs in a scratch copy of binding.gyp + native/, so the repository's own build/
// (which tests and node-gyp-build load) is never cleaned or moved. Headers: npm's `nodedir`
// when set (npm_config_nodedir), else the running Node's installed headers (<prefix>/include/node);
// nothing is downloaded. The cross tools come from scripts/install-package-deps.sh.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NAME = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).name;
/** ELF e_machine of each architecture we ship. */
const ELF_MACHINE = { x64: 62, arm64: 183 };
const CROSS = {
  arm64: { CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', AR: 'aarch64-linux-gnu-ar', STRIP: 'aarch64-linux-gnu-strip' },
};

/** A failure that ends the run; thrown (not process.exit) so that every scratch copy is removed first. */
class PrebuildError extends Error {}

function fail(message) {
  throw new PrebuildError(message);
}

/** MULTIBULLY_PREBUILDS=x64,… replaces the default architectures; unset or empty: undefined. */
function archesFromEnvironment() {
  const chosen = process.env.MULTIBULLY_PREBUILDS;
  if (chosen === undefined || chosen === '') return undefined;
  const arches = chosen.split(',').map((a) => a.trim()).filter(Boolean);
  if (arches.length === 0) fail(`MULTIBULLY_PREBUILDS=${JSON.stringify(chosen)} names no architecture (x64, arm64)`);
  return arches;
}

function parseArgs(argv) {
  const args = { arches: ['x64', 'arm64'], out: ROOT };
  args.arches = archesFromEnvironment() ?? args.arches;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--arch' && value) args.arches = value.split(',').filter(Boolean), i++;
    else if (flag === '--out' && value) args.out = path.resolve(value), i++;
    else fail(`unknown argument ${flag}; usage: node scripts/prebuilds.mjs [--arch x64,arm64] [--out DIR]`);
  }
  for (const arch of args.arches) if (!(arch in ELF_MACHINE)) fail(`unsupported architecture ${arch} (x64, arm64; from --arch or MULTIBULLY_PREBUILDS)`);
  return args;
}

/** Before anything is built: a missing cross compiler fails in a second, not after the x64 build. */
function checkCrossTools(arches) {
  for (const arch of arches) {
    if (arch === os.arch()) continue;
    const cross = CROSS[arch];
    if (!cross) fail(`cannot cross-build ${arch} on ${os.arch()}`);
    const missing = Object.values(cross).filter((tool) => !hasCommand(tool));
    if (missing.length > 0) {
      fail(
        `${missing.join(', ')} not found: the ${arch} prebuild is cross-compiled with Debian's aarch64-linux-gnu toolchain; ` +
          'run scripts/install-package-deps.sh (as root) or apt-get install g++-aarch64-linux-gnu binutils-aarch64-linux-gnu, ' +
          'or pack the x64 prebuild only: MULTIBULLY_PREBUILDS=x64 npm pack',
      );
    }
  }
}

function hasCommand(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** npm's bundled node-gyp (npm sets npm_config_node_gyp for scripts), else one on PATH. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const candidate of candidates) if (candidate && fs.existsSync(candidate)) return [process.execPath, candidate];
  if (hasCommand('node-gyp')) return ['node-gyp'];
  return fail('node-gyp not found: run this through npm (npm run prebuilds), or install node-gyp');
}

/** Installed Node headers; node-gyp would otherwise try to download them. */
function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return undefined; // node-gyp downloads headers (needs network)
}

function elfMachine(file) {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, 20, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) fail(`${file} is not an ELF file`);
  return header.readUInt16LE(18);
}

function buildOne(arch, out, nodeGyp, nodedir) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `${NAME}-prebuild-${arch}-`));
  try {
    fs.copyFileSync(path.join(ROOT, 'binding.gyp'), path.join(work, 'binding.gyp'));
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(work, 'package.json'));
    fs.cpSync(path.join(ROOT, 'native'), path.join(work, 'native'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules')); // node-addon-api, prebuildify
    const wrapper = path.join(work, 'node-gyp.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${nodeGyp.map((a) => `'${a}'`).join(' ')} "$@"\n`, { mode: 0o755 });

    // TMPDIR: prebuildify's header cache goes into the scratch copy too, and with it.
    const env = { ...process.env, PREBUILD_NODE_GYP: wrapper, JOBS: process.env.JOBS ?? 'max', TMPDIR: work };
    if (nodedir) env.npm_config_nodedir = nodedir;
    const cross = arch !== os.arch() ? CROSS[arch] : undefined;
    if (cross) Object.assign(env, { CC: cross.CC, CXX: cross.CXX, LINK: cross.CXX, AR: cross.AR, PREBUILD_STRIP_BIN: cross.STRIP });
    const args = [
      path.join(ROOT, 'node_modules', 'prebuildify', 'bin.js'),
      '--napi', '--strip', '--tag-libc',
      '--target', `node@${process.versions.node}`,
      '--arch', arch,
      '--platform', 'linux',
      '--out', path.join(work, 'out'),
      work,
    ];
    console.error(`prebuilds: linux-${arch}${cross ? ` (cross: ${cross.CXX})` : ''}, headers ${nodedir ? `from ${nodedir}` : 'downloaded by node-gyp'}`);
    const result = spawnSync(process.execPath, args, { cwd: work, env, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) fail(`prebuildify for linux-${arch} failed (exit ${result.status ?? result.signal})`);

    const built = path.join(work, 'out', 'prebuilds', `linux-${arch}`);
    const files = fs.readdirSync(built).filter((f) => f.endsWith('.node'));
    const expected = `${NAME}.glibc.node`;
    if (files.length !== 1 || files[0] !== expected) fail(`expected ${expected} in ${built}, found ${files.join(', ') || 'nothing'}`);
    const machine = elfMachine(path.join(built, expected));
    if (machine !== ELF_MACHINE[arch]) fail(`${expected} for ${arch} has ELF machine ${machine}, expected ${ELF_MACHINE[arch]}`);
    if (arch === os.arch()) {
      // The host binary must load (undefined symbols, a wrong NAPI_VERSION … show up here).
      execFileSync(process.execPath, ['-e', `const a = require(${JSON.stringify(path.join(built, expected))}); if (typeof a.listInterfaces !== 'function') process.exit(1)`], { stdio: 'inherit' });
    }

    // Replace the shipped directory's contents: the new file first (atomically), then stale ones.
    const dest = path.join(out, 'prebuilds', `linux-${arch}`);
    fs.mkdirSync(dest, { recursive: true });
    fs.copyFileSync(path.join(built, expected), path.join(dest, `${expected}.tmp`));
    fs.renameSync(path.join(dest, `${expected}.tmp`), path.join(dest, expected));
    for (const stale of fs.readdirSync(dest)) if (stale !== expected) fs.rmSync(path.join(dest, stale), { recursive: true, force: true });
    console.error(`prebuilds: wrote ${path.relative(process.cwd(), path.join(dest, expected)) || expected} (${fs.statSync(path.join(dest, expected)).size} bytes)`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

try {
  if (os.platform() !== 'linux' || os.arch() !== 'x64') {
    fail(`the shipped prebuilds (linux-x64, linux-arm64) are built on a linux x64 host; this is ${os.platform()}-${os.arch()}`);
  }
  const { arches, out } = parseArgs(process.argv.slice(2));
  checkCrossTools(arches);
  const nodeGyp = findNodeGyp();
  const nodedir = findNodeDir();
  for (const arch of arches) buildOne(arch, out, nodeGyp, nodedir);
} catch (error) {
  if (!(error instanceof PrebuildError)) throw error;
  console.error(`prebuilds: ${error.message}`);
  process.exitCode = 1;
}
