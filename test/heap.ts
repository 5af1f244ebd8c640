// The heap of this isolate after a full garbage collection, for tests that bound memory: what a
// flood leaves behind, not what it allocated on the way. (--expose-gc set at run time; gc is then
// a global of any new context.)
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes in use after two full collections (the second frees what finalizers of the first released). */
export function heapAfterGc(): number {
  gc();
  gc();
  return getHeapStatistics().used_heap_size;
}

export const MiB = 1024 * 1024;
