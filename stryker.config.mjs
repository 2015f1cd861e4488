// @ts-check
/**
 * Mutation testing of the money core (`npm run mutation`; not in CI: it takes a while). Mutants in
 * src/pipeline and src/task, killed by the unit tests and the integration suites of the money rules
 * (the end-to-end tests spawn dist/, which a mutant of src/ does not reach).
 *
 * The whole run takes longer than a working session on two cores (about 1,500 mutants), so it also
 * runs in four parts: `MUTATION_PART=decide npm run mutation` (then write, run, task) writes
 * reports/mutation/decide.json and so on, and `npm run mutation:score` adds the parts up into one
 * score with every surviving mutant listed. `npm run mutation` alone mutates everything at once.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';

const PARTS = {
  decide: ['reconcileAdditions', 'prepareBillingData', 'additionRules', 'resolvePeriod', 'safetyGuard'].map((f) => `src/pipeline/${f}.ts`),
  write: ['applyPlan', 'verifyWrites', 'checkPlanToWrite', 'changeEntries', 'types'].map((f) => `src/pipeline/${f}.ts`),
  run: ['src/task/billingRun.ts', 'src/pipeline/mapCustomers.ts', 'src/pipeline/lookupProducts.ts'],
  task: ['billingTask', 'runSummary', 'planDocument', 'runContainer', 'runLock', 'tokens'].map((f) => `src/task/${f}.ts`),
};
const part = process.env.MUTATION_PART;
if (part !== undefined && !(part in PARTS)) throw new Error(`MUTATION_PART must be one of ${Object.keys(PARTS).join(', ')}`);
// Where the dry run records which test file holds which test (test/support/mutation/): one file per
// run, named here once so that every Stryker worker inherits the same name.
process.env.MUTATION_TEST_MAP ??= path.join(tmpdir(), `cwm-billing-mutation-tests-${process.pid}-${Date.now()}.jsonl`);
const mutate = part ? PARTS[/** @type {keyof typeof PARTS} */ (part)] : ['src/pipeline/**/*.ts', 'src/task/**/*.ts'];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate,
  testRunner: 'jest',
  // A few unit tests read dist/ (the manifest's entry, the CLI's date parsing in another time zone).
  buildCommand: 'npm run build --silent',
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // No build per test run (the global setup builds dist/ for the end-to-end tests, which are left out).
    // The money rules' own suites: the unit tests and the suites over HTTP that decide, write, verify, apply and
    // revert (with the bail below, the resilience suite's settle waits are paid only by the mutants that survive).
    config: {
      globalSetup: null,
      // Bail at a mutant's first failing test, and load only the test files that cover it.
      // (A path of its own: Stryker's coverage wrapper loads it without resolving <rootDir>.)
      testEnvironment: path.resolve('test/support/mutation/bailEnvironment.mjs'),
      testSequencer: '<rootDir>/test/support/mutation/coveredFilesSequencer.mjs',
      testMatch: [
        '<rootDir>/test/unit/**/*.test.ts',
        '<rootDir>/test/integration/{decisionTable,moneySafety,combinations,billableFlags,reconciliation,hostileInput,applyRevert,resilience,money,requestPlan,limits,runProgress,sandboxFidelity,taskEnds,secrets}.test.ts',
      ],
    },
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // jest run in band again and again keeps every run's modules (a worker grew past 3 GB): a fresh worker now and then.
  maxTestRunnerReuse: 40,
  timeoutMS: 15000,
  timeoutFactor: 2,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${part ?? 'index'}.html` },
  jsonReporter: { fileName: `reports/mutation/${part ?? 'mutation'}.json` },
  // A part run again after tests were added tests only the mutants whose code or covering tests changed.
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${part ?? 'all'}.json`,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
