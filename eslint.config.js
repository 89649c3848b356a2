// Lint rules: strict TypeScript, and the layering rules of docs/ARCHITECTURE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const pureCoreBans = {
  patterns: [
    { group: ['node:*', 'fs', 'net', 'os', 'child_process'], message: 'pure core: no I/O' },
    { group: ['**/server/**', '**/storage/**', '**/cli/**'], message: 'pure core: no shell' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      'max-len': ['error', { code: 100, ignoreUrls: true, ignoreStrings: true }],
      'max-lines-per-function': ['warn', { max: 70, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['src/protocol/**', 'src/tree/**', 'src/consensus/**', 'src/replication/**'],
    rules: {
      'no-restricted-imports': ['error', pureCoreBans],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'pure core: time comes from the txn' },
        { object: 'Math', property: 'random', message: 'pure core: use a seeded PRNG' },
      ],
    },
  },
  {
    files: ['src/client/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/server/**', '**/storage/**', '**/tree/**', '**/consensus/**'],
              message: 'the client speaks only the wire protocol',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/recipes/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!client/index\\.js$)',
              message: "recipes use only the client's public index",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      'max-lines-per-function': 'off',
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
);
