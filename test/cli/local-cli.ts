// For a test file that runs CLI processes on this host: a scratch directory removed after the
// file, processes SIGKILLed after each test, and a wait for a file a hook writes.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { CliNode } from './cli-node';

export interface LocalCliSuite {
  readonly dir: string;
  /** A CLI process on this host, killed after the test that started it. */
  start(args: string[], name: string, env?: Record<string, string>): CliNode;
}

export function localCliSuite(prefix: string): LocalCliSuite {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const running: CliNode[] = [];
  afterEach(async () => {
    for (const node of running.splice(0)) {
      node.kill('SIGKILL');
      await node.exited;
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    start(args, name, env) {
      const node = CliNode.local(args, name, env);
      running.push(node);
      return node;
    },
  };
}

/** Resolves with the file's text once `ready` says so (within 5 s). */
export async function waitUntilFile(file: string, ready: (text: string) => boolean, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      if (ready(text)) return text;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${file} never became ready`);
}
