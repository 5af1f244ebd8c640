// What the package suite's tests share: the global setup's results, and exec.ts.
import { inject } from 'vitest';

export * from './exec';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The tarball `npm pack` made from a fresh copy of the working tree. */
    tarball: string;
    /** The fresh copy (after npm install and npm pack). */
    clone: string;
    /** A scratch project with the tarball installed with --ignore-scripts. */
    consumer: string;
    /** A scratch directory the suite may write into; removed after the run. */
    scratch: string;
  }
}

export function provided(): { tarball: string; clone: string; consumer: string; scratch: string } {
  return { tarball: inject('tarball'), clone: inject('clone'), consumer: inject('consumer'), scratch: inject('scratch') };
}

