// The README's TypeScript examples (every ```ts block of its "Library" section), type-checked
// against the tarball's typings as a user's strict project would: tsc --strict
// --exactOptionalPropertyTypes, ESM (.mts; the CommonJS example as .cts) with node16
// resolution, Node's types from @types/node only (no DOM lib, no skipLibCheck, so the package's
// .d.ts are checked too). default-project.test.ts checks them in a default project instead.
//
// The @types/node floor stated in package.json (peerDependencies ">=20.11.21": the typings use
// the generic EventEmitter<T>, which @types/node added in 20.11.21) is checked from both sides:
// 20.11.21 passes; 20.11.20 is refused by npm and, forced, does not type-check. (Those old
// @types/node files themselves do not compile under TypeScript ≥ 5.7 — Buffer vs
// Uint8Array<ArrayBufferLike> — so the floor is checked with --skipLibCheck, as such a project
// must use; the current @types/node 20 and 24 are checked without it.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exampleFiles, isCommonJsExample, readmeLibraryExamples } from './readme-examples';
import { attemptAsync, provided, ROOT, runAsync } from './support';

const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const TSC_FLAGS = [
  '--strict', '--exactOptionalPropertyTypes', '--noEmit',
  '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--lib', 'es2022', '--types', 'node',
];

/** Claims the README makes about the types, as code that only compiles if they hold. */
const TYPE_FACTS = `
import {
  Participant, prometheusText, PROMETHEUS_CONTENT_TYPE,
  type StateReason, type TermReason, type FaultReason, type LeaderInfo, type LeaderInfoJSON, type WaitForLeaderOptions,
} from 'multibully';

const node = new Participant({ address: '239.77.0.1:9999', interface: 'lo', id: 42, metadata: 'http://10.0.0.5:8080' });
const id: bigint = node.self.id;                 // bigint even though a number was passed
const term: bigint = node.term;
const leader: LeaderInfo | undefined = node.leader;
const leaderId: bigint | undefined = leader?.id;
const metadata: Uint8Array | undefined = leader?.metadata; // a string went in, bytes come out
node.on('state', ({ reason }) => {
  const known: StateReason = reason;
  // @ts-expect-error: reasons are string-literal unions, not any string
  const bogus: typeof reason = 'no-such-reason';
  void known; void bogus;
});
node.on('term', ({ reason }) => { const r: TermReason = reason; void r; });
node.on('fault', ({ reason }) => { const r: FaultReason = reason; void r; });
const start: StateReason = 'start';
const recovered: StateReason = 'nic-recovered';
const faulted: StateReason = 'nic-down';
// @ts-expect-error: an id is a bigint, a number comparison is a type error
const wrong = node.self.id === 42;
void id; void term; void leaderId; void metadata; void start; void recovered; void faulted; void wrong;

// The conveniences and the metrics.
const leading: boolean = node.isLeader;
const next: Promise<LeaderInfo> = node.waitForLeader({ signal: AbortSignal.timeout(1_000) });
const options: WaitForLeaderOptions = {};
node.setMetadata('text'); node.setMetadata(new Uint8Array(2)); node.setMetadata(undefined);
// @ts-expect-error: metadata is text or bytes
node.setMetadata(42);
const dispose: Promise<void> = node[Symbol.asyncDispose]();
const group: { group: string; port: number; family: 4 | 6 } | undefined = node.group; // an object, not text; undefined with peers
// @ts-expect-error: with peers there is no group
const groupText: string = node.group.group;
const peers: string[] | undefined = node.peers;
node.setPeers(['10.0.1.5', '[fd00::7]:9999']);
// @ts-expect-error: peers are addresses as text
node.setPeers([42]);
const unreachable: number = node.counters.peerUnreachable;
void groupText; void peers; void unreachable;
const shown: LeaderInfoJSON = { id: '1', address: '10.0.0.1', metadata: 'x', metadataEncoding: 'utf8' };
const metrics: string = prometheusText(node) + prometheusText([node, node]);
const contentType: string = PROMETHEUS_CONTENT_TYPE;
const transitions: number = node.counters.leaderTransitions;
void leading; void next; void options; void dispose; void group; void shown; void metrics; void contentType; void transitions;
`;

describe('typings under a strict user configuration', () => {
  let examples: string[];

  beforeAll(() => {
    const { consumer } = provided();
    examples = readmeLibraryExamples(fs.readFileSync(path.join(consumer, 'node_modules', 'multibully', 'README.md'), 'utf8'));
  });

  /** A scratch project with the tarball (scripts off) and the given @types/node, plus the sources. */
  async function project(name: string, typesNode: string, sources: Record<string, string>, npmFlags: string[] = []): Promise<string> {
    const { tarball, scratch } = provided();
    const dir = path.join(scratch, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
    await runAsync('npm', ['install', tarball, `@types/node@${typesNode}`, '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', ...npmFlags], { cwd: dir });
    for (const [file, text] of Object.entries(sources)) fs.writeFileSync(path.join(dir, file), text);
    return dir;
  }

  async function tsc(dir: string, files: string[], extra: string[] = []): Promise<{ status: number | null; output: string }> {
    const result = await attemptAsync(process.execPath, [TSC, ...TSC_FLAGS, ...extra, ...files], { cwd: dir, timeout: 180_000 });
    return { status: result.status, output: result.stdout + result.stderr };
  }

  function sources(): Record<string, string> {
    return { 'type-facts.mts': TYPE_FACTS, ...exampleFiles(examples, 'cts') };
  }

  it('finds the README examples, including the strict-typing trap (an env var as the secret), a CommonJS form and the conveniences', async () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
    expect(examples.join('\n')).toContain('secret: process.env.MULTIBULLY_SECRET');
    expect(examples.join('\n')).toContain('newParticipant(');
    expect(examples.filter(isCommonJsExample)).toHaveLength(1);
    expect(examples.find(isCommonJsExample)).not.toMatch(/^await /m);
    for (const name of ['await using', 'waitForLeader(', 'isLeader', 'setMetadata(', 'JSON.stringify(leader)']) expect(examples.join('\n')).toContain(name);
  });

  it('the README examples and the documented types check with @types/node 20.11.21 (the stated floor)', async () => {
    const files = sources();
    const dir = await project('types-floor', '20.11.21', files);
    const result = await tsc(dir, Object.keys(files), ['--skipLibCheck']);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(['20', '24'])('…and with the newest @types/node %s, the package\'s .d.ts included (no skipLibCheck)', async (typesNode) => {
    const files = sources();
    const dir = await project(`types-${typesNode}`, typesNode, files);
    const result = await tsc(dir, Object.keys(files));
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('@types/node 20.11.20 is below the floor: refused by npm, and forced, listeners do not type-check', async () => {
    const files = { 'readme-1.mts': examples[0]!, 'type-facts.mts': TYPE_FACTS };
    const { tarball, scratch } = provided();
    const empty = path.join(scratch, 'types-refused');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'package.json'), JSON.stringify({ name: 'types-refused', version: '1.0.0', private: true }));
    const refused = await attemptAsync('npm', ['install', tarball, '@types/node@20.11.20', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--dry-run'], { cwd: empty });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('peerOptional @types/node@">=20.11.21" from multibully');
    const dir = await project('types-below-floor', '20.11.20', files, ['--legacy-peer-deps']);
    // Without skipLibCheck the package's own .d.ts report it; with it, listeners lose their types.
    const full = await tsc(dir, Object.keys(files));
    expect(full.status).not.toBe(0);
    expect(full.output).toContain("node_modules/multibully/dist/participant/participant.d.ts(");
    expect(full.output).toContain("error TS2315: Type 'EventEmitter' is not generic.");
    const skipped = await tsc(dir, Object.keys(files), ['--skipLibCheck']);
    expect(skipped.status).not.toBe(0);
    expect(skipped.output).toMatch(/readme-1\.mts\(\d+,\d+\): error TS2576: Property 'on' does not exist on type 'Participant'/);
  });

  it('a wrong option type is still caught (the check is not vacuous)', async () => {
    const files = { 'bad.mts': `import { Participant } from 'multibully';\nnew Participant({ address: '239.1.1.1:1', interface: 'lo', id: 1, ttl: '1' });\n` };
    const dir = await project('types-bad', '24', files);
    const result = await tsc(dir, Object.keys(files));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("bad.mts(2,");
    expect(result.output).toMatch(/Type 'string' is not assignable to type 'number'/);
  });
});
