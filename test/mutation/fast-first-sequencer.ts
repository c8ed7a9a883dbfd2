import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The order Stryker's test runs take (vitest.mutate.config.ts). Vitest's own order runs the slowest
 * files first, which suits a parallel run of the whole suite; Stryker runs one mutant's covering
 * files in one worker and stops at the first failure, so a mutant that a unit test kills would
 * first wait for every integration test that also reaches it. Here a file that failed last time
 * (it likely kills the next mutant of the same code) comes first, then the fastest.
 */
export class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const rank = (file: TestSpecification): [number, number] => {
      const key = `${file.project.name}:${relative(config.root, file.moduleId)}`;
      const last = cache.getFileTestResults(key);
      if (last) return [last.failed ? 0 : 1, last.duration];
      return [1, Number.MAX_SAFE_INTEGER];
    };
    return [...files].sort((a, b) => {
      const [failedA, durationA] = rank(a);
      const [failedB, durationB] = rank(b);
      return failedA - failedB || durationA - durationB;
    });
  }
}
