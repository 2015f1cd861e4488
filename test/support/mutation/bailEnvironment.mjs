// The mutation run's test environment. Stryker only needs one failing test to call a mutant killed,
// but its jest runner cannot bail (jest offers no bail to runCLI), so every covering test would run:
// after the first failure this skips the rest of the run's tests and describe blocks (their
// beforeAll hooks start sandboxes). In the dry run it records each test's file for the sequencer.
import { appendFileSync } from 'node:fs';
import { TestEnvironment } from 'jest-environment-node';
import { activeMutant, bailState, fileKey, testMapFile } from './shared.mjs';

const fullName = (block) => (block.parent ? `${fullName(block.parent)} ${block.name}`.trimStart() : '');

export default class BailEnvironment extends TestEnvironment {
  #testPath;
  #tests = [];

  constructor(config, context) {
    super(config, context);
    this.#testPath = context.testPath;
  }

  async handleTestEvent(event) {
    if (activeMutant() === undefined) {
      if (event.name === 'test_done') this.#tests.push(`${fullName(event.test.parent)} ${event.test.name}`.trimStart());
      return;
    }
    const bail = bailState();
    if (event.name === 'test_done' && event.test.errors.length > 0) bail.killed = true;
    if (!bail.killed) return;
    if (event.name === 'run_describe_start') event.describeBlock.mode = 'skip';
    if (event.name === 'test_start') event.test.mode = 'skip';
  }

  async teardown() {
    const map = testMapFile();
    if (activeMutant() === undefined && map !== undefined && this.#tests.length > 0)
      appendFileSync(map, `${JSON.stringify({ file: fileKey(this.#testPath), tests: this.#tests })}\n`);
    await super.teardown();
  }
}
