// @ts-check
/**
 * Mutation testing of the money core (`npm run mutation`; not in CI: it takes a while). Mutants in
 * src/pipeline and src/task, killed by the unit and integration tests (the end-to-end tests spawn
 * dist/, which a mutant of src/ does not reach).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: ['src/pipeline/**/*.ts', 'src/task/**/*.ts'],
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // No build per test run (the global setup builds dist/ for the end-to-end tests, which are left out).
    config: { globalSetup: null, testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'] },
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
