import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.host/**', 'coverage/**', '.bench-build/**', '.sandbox/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // got and the Atria HTTP client each live in one module; everything else goes through the gateways.
      'no-restricted-imports': ['error', { paths: [{ name: 'got', message: 'Only src/gateways/connectwise/httpClient.ts imports got.' }] }],
    },
  },
  { files: ['src/gateways/connectwise/httpClient.ts'], rules: { 'no-restricted-imports': 'off' } },
);
