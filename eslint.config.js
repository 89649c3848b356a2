// Lint rules: strict TypeScript, and the layering rules of docs/ARCHITECTURE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import boundaries (docs/ARCHITECTURE.md). ESLint does not merge a rule's options across
// config blocks, so each folder gets its whole list here.
const noIo = {
  group: ['node:*', 'fs', 'net', 'os', 'child_process'],
  message: 'pure core: no I/O',
};
const consensusByIndex = {
  regex: '(^|/)consensus/(?!index\\.js$)',
  message: 'outside consensus/, use its public index (consensus/index.js)',
};
/** Project folders a file in `folder` must not import, with the reason. */
function bannedFolders(folders, message) {
  return { regex: `^\\.\\./(${folders.join('|')})/`, message };
}
const shellFolders = ['server', 'storage', 'cli', 'member', 'peer', 'config'];
const importRules = {
  'src/protocol/**': [
    noIo,
    bannedFolders(
      [...shellFolders, 'tree', 'consensus', 'replication'],
      'protocol/ is the wire format only',
    ),
  ],
  'src/tree/**': [
    // zlib is computation, not I/O: the snapshot codec deflates its node records.
    { ...noIo, group: [...noIo.group, '!node:zlib'] },
    bannedFolders(
      [...shellFolders, 'consensus', 'replication'],
      'pure core: no shell, no consensus',
    ),
  ],
  'src/consensus/**': [
    noIo,
    bannedFolders(
      [...shellFolders, 'tree', 'replication', 'protocol'],
      'consensus/ knows no tree or shell',
    ),
  ],
  'src/replication/**': [
    noIo,
    consensusByIndex,
    bannedFolders(shellFolders, 'pure core: no shell'),
  ],
  'src/storage/**': [{ regex: '^\\.\\./(?!util/)', message: 'storage/ imports only util/' }],
  'src/peer/**': [
    bannedFolders(
      ['server', 'member', 'storage', 'tree', 'consensus', 'replication', 'cli', 'config'],
      'the peer transport moves bytes; it knows no member',
    ),
  ],
  'src/config/**': [
    bannedFolders(
      ['server', 'member', 'storage', 'peer', 'tree', 'consensus', 'replication', 'cli'],
      'config/ parses settings only',
    ),
  ],
  'src/security/**': [
    bannedFolders(
      ['server', 'member', 'storage', 'tree', 'consensus', 'replication', 'cli'],
      'security/ turns settings into TLS and authentication material only',
    ),
  ],
  'src/server/**': [
    consensusByIndex,
    bannedFolders(
      ['member', 'peer', 'storage', 'cli', 'consensus'],
      'the client-facing server knows no Raft or disk',
    ),
  ],
  'src/member/**': [
    consensusByIndex,
    bannedFolders(['cli'], 'the member is started by cli/, not the reverse'),
  ],
  'src/metrics/**': [
    consensusByIndex,
    bannedFolders(
      ['cli', 'peer', 'storage', 'consensus', 'admin'],
      'metrics/ reads the server and member; it drives nothing',
    ),
  ],
  'src/admin/**': [
    consensusByIndex,
    bannedFolders(['cli', 'peer', 'storage', 'consensus'], 'admin/ answers from the server'),
  ],
  'src/import/**': [
    consensusByIndex,
    bannedFolders(
      ['cli', 'server', 'peer', 'consensus', 'admin', 'metrics'],
      'import/ reads ZooKeeper files into a tree; member/ writes it',
    ),
  ],
  'src/dashboard/**': [
    consensusByIndex,
    bannedFolders(
      ['cli', 'peer', 'storage', 'consensus', 'member', 'tree', 'replication'],
      'dashboard/ runs tree operations through its users’ client sessions',
    ),
  ],
  'src/migrate/**': [
    consensusByIndex,
    bannedFolders(
      [...shellFolders, 'consensus', 'replication', 'admin', 'metrics', 'dashboard'],
      'migrate/ reaches servers through the client only',
    ),
  ],
  'src/cli/**': [consensusByIndex],
  'src/bench/**': [
    bannedFolders(
      [...shellFolders, 'tree', 'consensus', 'replication', 'admin', 'metrics', 'dashboard'],
      'bench/ is a client of any server: protocol, client and recipes only',
    ),
  ],
};
const pureCores = ['src/protocol/**', 'src/tree/**', 'src/consensus/**', 'src/replication/**'];

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
  ...Object.entries(importRules).map(([files, patterns]) => ({
    files: [files],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  })),
  {
    files: pureCores,
    rules: {
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
