import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench [name…]`: runs every `bench/*.bench.ts` (or the named ones) one after another in
 * this process and rewrites docs/performance.md. Targets are ratios measured within one run, so a
 * noisy shared machine shifts both sides of a comparison together.
 */
export interface BenchResult {
  /** Section title in docs/performance.md. */
  title: string;
  /** Markdown body: the figures, the ratio to the target and whether it was met. */
  markdown: string;
}

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(benchDir))
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((wanted) => name.startsWith(wanted)))
  .sort();

const sections: string[] = [];
for (const name of files) {
  process.stdout.write(`bench: ${name}\n`);
  const module = (await import(join(benchDir, name))) as { default: () => Promise<BenchResult> };
  const result = await module.default();
  process.stdout.write(`${result.markdown}\n\n`);
  sections.push(
    `## ${result.title}\n\n_\`npm run bench ${name.replace('.bench.ts', '')}\`_\n\n${result.markdown}`,
  );
}

if (only.length === 0) {
  const header = `# Performance\n\nWritten by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${process.platform}/${process.arch}). Figures come from one run on a shared 2-core machine; targets are ratios within that run.\n`;
  await writeFile(join(benchDir, '..', 'docs', 'performance.md'), `${header}\n${sections.join('\n\n')}\n`);
}
