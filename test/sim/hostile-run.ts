// Batch runner of the hostile-sender tests (test/sim/hostile.test.ts): many fixed seeds per property within a
// time budget, failures reported with a one-line replay command.
import { describeResult, type HostileResult } from './hostile';

const YIELD_EVERY_MS = 1_000;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface HostileBatch {
  /** Property key for the replay command, e.g. 'H2:forged-seq'. */
  readonly key: string;
  readonly firstSeed: number;
  readonly target: number;
  /** Fewer seeds than this within the budget fails the test (the machine is too slow to mean anything). */
  readonly minimum: number;
  readonly budgetMs: number;
  readonly file: string;
}

export async function runHostileBatch(
  batch: HostileBatch,
  run: (seed: number) => HostileResult,
): Promise<{ ran: number; failures: HostileResult[]; report: string }> {
  const started = Date.now();
  let yieldedAt = started;
  const failures: HostileResult[] = [];
  let ran = 0;
  for (let seed = batch.firstSeed; ran < batch.target && Date.now() - started < batch.budgetMs; seed++) {
    if (Date.now() - yieldedAt > YIELD_EVERY_MS) {
      await yieldToEventLoop();
      yieldedAt = Date.now();
    }
    const result = run(seed);
    ran++;
    if (result.problems.length > 0) failures.push(result);
    if (failures.length >= 5) break;
  }
  const report = failures
    .map((f) => `${describeResult(f)}\n  replay: SEED=${f.seed} HOSTILE=${batch.key} npx vitest run ${batch.file} -t replay`)
    .join('\n');
  console.log(`${batch.key}: ${ran} seeds from ${batch.firstSeed} in ${Date.now() - started} ms, ${failures.length} failing${failures.length ? ` (stopped at 5)` : ''}`);
  return { ran, failures, report };
}
