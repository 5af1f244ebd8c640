// The README's TypeScript examples: every ```ts block of its "Library" section. Most are ES
// modules (top-level await); one shows the CommonJS form (`import … = require(…)`). As files:
// an ES module is a .mts; a CommonJS one keeps `cjsExtension` (.cts anywhere, or .ts in a
// CommonJS package such as `npm init` makes).

/** The ```ts blocks between "## Library" and the next level-2 heading. */
export function readmeLibraryExamples(readme: string): string[] {
  const start = readme.indexOf('\n## Library\n');
  if (start < 0) throw new Error('README.md has no "## Library" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

export function isCommonJsExample(code: string): boolean {
  return /^import \w+ = require\(/m.test(code);
}

/** readme-N.mts for the ES modules, readme-N.<cjsExtension> for the CommonJS ones. */
export function exampleFiles(examples: readonly string[], cjsExtension: 'cts' | 'ts'): Record<string, string> {
  return Object.fromEntries(examples.map((code, i) => [`readme-${i + 1}.${isCommonJsExample(code) ? cjsExtension : 'mts'}`, code]));
}
