// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Workflow code is replayed by Temporal and must stay deterministic: no Node built-ins, no I/O clients.
const ioModules = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'crypto',
  'http',
  'https',
  'net',
  'child_process',
  'os',
  'pg',
  'kysely',
  'nodemailer',
  'twilio',
  'smtp-server',
  'fastify',
  'pino',
  '@electric-sql/*',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

// The domain is pure rules and arithmetic, testable without a database or network: I/O lives in
// db/, activities/, channels/ and web/.
const domainIoModules = [
  'node:fs',
  'node:fs/*',
  'fs',
  'fs/*',
  'node:net',
  'net',
  'node:http',
  'node:https',
  'http',
  'https',
  'node:child_process',
  'child_process',
  'pg',
  'kysely',
  'kysely-*',
  '@electric-sql/*',
  '**/db/*',
  '**/db/**',
];

// SQL lives in db/: everything else calls a named function there. Query building (the Kysely
// entry points, transactions) and the `sql` tag are refused outside db/ and test/.
const outsideDb =
  'SQL only in db/: put the query (or the transaction) in a named function of the fitting db/<topic>.ts and call that.';
const queryBuilding = {
  selector:
    'CallExpression > MemberExpression.callee[property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|mergeInto|selectNoFrom|transaction)$/]',
  message: outsideDb,
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'data/**',
      '.tools/**',
      'dist/**',
      'test-artifacts/**',
      'client/api-types.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    ignores: ['db/**', 'test/**'],
    // Before workflows/ and domain/: their stricter import rules (no kysely at all) override this one.
    rules: {
      'no-restricted-syntax': ['error', queryBuilding],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'kysely', importNames: ['sql'], message: outsideDb }] },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ioModules, message: 'workflows/ must stay deterministic: do I/O in activities/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: domainIoModules,
              message: 'domain/ stays free of I/O: read and write in db/ or activities/ and pass values in.',
            },
          ],
        },
      ],
    },
  },
);
