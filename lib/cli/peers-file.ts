// --peers-file PATH: the unicast peers, one address a line ("#" starts a comment, blank lines
// are skipped), re-read whenever the file changes (fs.watch on its directory, so that a file
// replaced by a rename is seen, and a slow poll where watching does not work). At start a file
// that is missing, unreadable or lists nobody is a usage error: we never fall back to multicast.
// Later, such a file is reported and the list in force stays (a half-written file must not empty
// the election).
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

const POLL_MS = 1_000;

/** The addresses the file lists (unchecked: the Participant's rules check them). Throws an Error saying what is wrong. */
export function readPeersFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    throw new Error(`cannot read the peers file ${path}: ${code === 'ENOENT' ? 'it does not exist' : (error as Error).message}`);
  }
  const peers = text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter((line) => line !== '');
  if (peers.length === 0) throw new Error(`the peers file ${path} lists no peer (one address a line, e.g. 10.0.1.5 or 10.0.1.5:9999)`);
  return peers;
}

export interface PeersFileWatch {
  close(): void;
}

/**
 * Calls `onChange` with the list each time the file's contents change (not on a rewrite of the
 * same list), `onError` with a message when it cannot be read or lists nobody.
 */
export function watchPeersFile(path: string, initial: readonly string[], onChange: (peers: string[]) => void, onError: (message: string) => void): PeersFileWatch {
  let last = initial.join('\n');
  let lastError: string | undefined;
  let pending: NodeJS.Immediate | undefined;
  const check = (): void => {
    pending = undefined;
    let peers: string[];
    try {
      peers = readPeersFile(path);
    } catch (error) {
      const message = (error as Error).message;
      if (message !== lastError) onError(message);
      lastError = message;
      return;
    }
    lastError = undefined;
    const text = peers.join('\n');
    if (text === last) return;
    last = text;
    onChange(peers);
  };
  const schedule = (): void => {
    pending ??= setImmediate(check);
  };
  const poll = setInterval(schedule, POLL_MS).unref();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file === null || file === basename(path)) schedule();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    // No inotify (or the directory is gone): the poll still sees changes.
  }
  return {
    close(): void {
      clearInterval(poll);
      if (pending) clearImmediate(pending);
      watcher?.close();
    },
  };
}
