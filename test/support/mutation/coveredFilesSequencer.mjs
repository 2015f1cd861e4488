// The mutation run's test sequencer. Stryker runs a mutant with a test-name pattern of the tests that
// cover it, but jest still loads every test file to match names (about a quarter of a second each):
// this keeps only the files that hold a covering test, as the dry run recorded, unit tests first
// (quick, and they kill most mutants before the suites over HTTP start).
import { existsSync, readFileSync } from 'node:fs';
import jestSequencer from '@jest/test-sequencer';
import { bailState, fileKey, testMapFile } from './shared.mjs';

const readMap = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

// The package is CommonJS with its class as `default`.
const Sequencer = jestSequencer.default ?? jestSequencer;

export default class CoveredFilesSequencer extends Sequencer {
  #pattern;

  constructor(options) {
    super(options);
    this.#pattern = options.globalConfig.testNamePattern;
  }

  sort(tests) {
    bailState().killed = false;
    const unitFirst = [...tests].sort(
      (a, b) => Number(a.path.includes('/integration/')) - Number(b.path.includes('/integration/')) || a.path.localeCompare(b.path),
    );
    const map = testMapFile();
    if (!this.#pattern || map === undefined || !existsSync(map)) return unitFirst;
    // jest matches test names case-insensitively.
    const covering = new RegExp(this.#pattern, 'i');
    const files = new Set(
      readMap(map)
        .filter(({ tests: names }) => names.some((name) => covering.test(name)))
        .map(({ file }) => file),
    );
    return unitFirst.filter((test) => files.has(fileKey(test.path)));
  }
}
