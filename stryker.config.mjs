// @ts-check
/**
 * Mutation testing of the money core (`npm run mutation`; not in CI: it takes a while). Mutants in
 * src/pipeline and src/task, killed by the unit tests and the integration suites of the money rules
 * (the end-to-end tests spawn dist/, which a mutant of src/ does not reach).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: ['src/pipeline/**/*.ts', 'src/task/**/*.ts'],
  testRunner: 'jest',
  // A few unit tests read dist/ (the manifest's entry, the CLI's date parsing in another time zone).
  buildCommand: 'npm run build --silent',
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // No build per test run (the global setup builds dist/ for the end-to-end tests, which are left out).
    // The money rules' own suites: the unit tests and the decision-table, money-safety and combination suites
    // over HTTP. The resilience, limit and size suites (seconds of settle and back-off per run) stay in npm test.
    config: {
      globalSetup: null,
      testMatch: [
        '<rootDir>/test/unit/**/*.test.ts',
        '<rootDir>/test/integration/{decisionTable,moneySafety,combinations,billableFlags,reconciliation,hostileInput}.test.ts',
      ],
    },
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 30000,
  timeoutFactor: 2,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
