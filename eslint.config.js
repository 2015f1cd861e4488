import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** got and the Atria HTTP client each live in one module; everything else goes through the gateways. */
const ONLY_THE_CLIENT_IMPORTS_GOT = { name: 'got', message: 'Only src/gateways/connectwise/httpClient.ts imports got.' };

/**
 * The architecture, one way: manifest → task → pipeline stages → gateways, over config, logging and
 * util. Each layer of src/ names what it must never import (what sits above it); src/ never imports
 * scripts/; the reference host imports the extension only through its host API and its package
 * entry, and the sandbox imports nothing of it.
 */
const ABOVE = {
  util: ['logging', 'config', 'gateways', 'pipeline', 'task', 'cli', 'host'],
  logging: ['config', 'gateways', 'pipeline', 'task', 'cli'],
  config: ['logging', 'gateways', 'pipeline', 'task', 'cli'],
  gateways: ['logging', 'pipeline', 'task', 'cli'],
  pipeline: ['task', 'cli'],
  task: ['cli'],
};
const folderPatterns = (folders) => folders.flatMap((folder) => [`../${folder}/**`, `../../${folder}/**`]);
const restrict = (patterns) => ['error', { paths: [ONLY_THE_CLIENT_IMPORTS_GOT], patterns }];
const NOT_SCRIPTS = {
  group: ['**/scripts/**'],
  message: 'src/ never imports scripts/ (the host, the sandbox, the tools sit outside the extension).',
};
const SRC_FOLDERS = ['util', 'logging', 'config', 'gateways', 'pipeline', 'task', 'cli'];
const ONLY_THE_ENTRY = {
  group: [...SRC_FOLDERS.map((folder) => `**/src/${folder}/**`), '**/src/host/kit.js', '**/src/*.js', '!**/src/index.js'],
  message: 'Outside src/, the extension is reached only through its package entry (src/index.js) and its host API (src/host/api.js).',
};
/** The sandbox plays ConnectWise and Atria from their published behaviour: it shares no code with the client. */
const NOTHING_OF_THE_CLIENT = {
  group: ['**/src/**'],
  message: 'The sandbox takes its rules from ConnectWise and Atria, never from the client: it imports nothing of src/.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.host/**',
      'coverage/**',
      '.bench-build/**',
      '.sandbox/**',
      '.stryker-tmp/**',
      'reports/**',
      'build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-restricted-imports': restrict([]),
    },
  },
  { files: ['src/**/*.ts'], rules: { 'no-restricted-imports': restrict([NOT_SCRIPTS]) } },
  ...Object.entries(ABOVE).map(([layer, above]) => ({
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': restrict([
        NOT_SCRIPTS,
        { group: folderPatterns(above), message: `src/${layer} sits below ${above.join(', ')}: it never imports them.` },
      ]),
    },
  })),
  // The host API is the contract: it imports nothing of the extension.
  {
    files: ['src/host/api.ts'],
    rules: { 'no-restricted-imports': restrict([NOT_SCRIPTS, { group: ['../**', './**'], message: 'The host API imports nothing.' }]) },
  },
  { files: ['scripts/host/**/*.ts', 'scripts/host/**/*.tsx'], rules: { 'no-restricted-imports': restrict([ONLY_THE_ENTRY]) } },
  { files: ['scripts/sandbox/**/*.ts'], rules: { 'no-restricted-imports': restrict([NOTHING_OF_THE_CLIENT]) } },
  {
    files: ['src/gateways/connectwise/httpClient.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            NOT_SCRIPTS,
            { group: folderPatterns(ABOVE.gateways), message: 'src/gateways sits below logging, pipeline, task and cli.' },
          ],
        },
      ],
    },
  },
);
