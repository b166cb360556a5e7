import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import importPlugin from 'eslint-plugin-import';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

/**
 * The rooms of the code and what each may import from src/ (docs/architecture.md "Folder map";
 * test/unit/folder-map.test.ts keeps that map, this table and the folders on disk the same). A folder is
 * `name/`, a top-level module `name.ts`. Nothing lists `api/` or `cli/`: only their own files import them. Only
 * `start.ts` lists `demo/`. Rooms marked planned do not exist yet; their rules are ready for them.
 */
export const ROOMS = {
  'api/': [
    'api-keys/',
    'businesses/',
    'config.ts',
    'contract.ts',
    'db/',
    'errors.ts',
    'logger.ts',
    'orders/',
    'runtime.ts',
    'sessions/',
    'sync/',
    'sync-requests/',
    'text.ts',
    'xero/',
    'web/',
    'webhooks/',
    'observability/',
  ],
  'api-keys/': ['db/'],
  'businesses/': ['contract.ts', 'db/', 'errors.ts', 'money.ts', 'sync/', 'text.ts', 'xero/'],
  'cli/': [
    'api-keys/',
    'businesses/',
    'config.ts',
    'db/',
    'demo/',
    'errors.ts',
    'logger.ts',
    'orders/',
    'sessions/',
    'sync/',
    'sync-requests/',
    'text.ts',
    'webhooks/',
    'xero/',
  ],
  'db/': ['config.ts', 'supervisor.ts'],
  'demo/': ['api-keys/', 'businesses/', 'db/', 'orders/', 'sessions/', 'xero/', 'xero-sim/'],
  'orders/': ['businesses/', 'db/', 'errors.ts', 'money.ts', 'random.ts', 'sync/', 'text.ts'],
  'sessions/': ['db/'],
  'sync/': ['contract.ts', 'db/', 'definitions.ts', 'errors.ts', 'money.ts', 'orders/'],
  'sync-requests/': [
    'businesses/',
    'calendar.ts',
    'config.ts',
    'contract.ts',
    'db/',
    'definitions.ts',
    'errors.ts',
    'orders/',
    'sync/',
    'text.ts',
    'xero/',
  ],
  'temporal/': ['definitions.ts'],
  'xero/': ['config.ts', 'db/', 'logger.ts', 'observability/', 'sync/'],
  'xero-sim/': ['money.ts', 'random.ts'],
  // The merchant page's views and assets (its client code imports the contract's types only).
  'web/': ['contract.ts', 'calendar.ts', 'errors.ts', 'text.ts'],
  'webhooks/': [
    'config.ts',
    'contract.ts',
    'db/',
    'definitions.ts',
    'errors.ts',
    'observability/',
    'sync-requests/',
    'xero/',
  ],
  'observability/': ['logger.ts'],
  'calendar.ts': [],
  'config.ts': ['definitions.ts'],
  'healthcheck.ts': ['config.ts'],
  'contract.ts': ['calendar.ts', 'orders/', 'text.ts'],
  'definitions.ts': ['contract.ts', 'orders/'],
  'errors.ts': [],
  'logger.ts': [],
  'money.ts': [],
  'random.ts': [],
  'runtime.ts': ['config.ts', 'db/', 'logger.ts', 'xero/'],
  'start.ts': [
    'config.ts',
    'db/',
    'demo/',
    'observability/',
    'supervisor.ts',
    'temporal/',
    'xero/',
    'xero-sim/',
  ],
  'supervisor.ts': [],
  'text.ts': [],
  'worker.ts': ['config.ts', 'definitions.ts', 'logger.ts', 'observability/', 'runtime.ts', 'temporal/'],
  // The top-level folders: side effects, and the worker's workflow code (its own rule below).
  '../activities/': [
    'businesses/',
    'contract.ts',
    'definitions.ts',
    'errors.ts',
    'money.ts',
    'observability/',
    'orders/',
    'runtime.ts',
    'sync/',
    'sync-requests/',
    'webhooks/',
    'xero/',
  ],
};

/** One zone per room: nothing of src/ may be imported from it but its own files and what it lists. */
const roomZones = Object.entries(ROOMS).map(([room, allowed]) => ({
  target: room.endsWith('/') ? `./src/${room}**` : `./src/${room}`,
  from: './src',
  except: [room, ...allowed].filter((r) => !r.startsWith('../')).map((r) => `./${r.replace(/\/$/, '')}`),
  message: `src/${room} may import only ${allowed.join(', ') || 'nothing of src/'} (docs/architecture.md "Folder map").`,
}));

/** HTTP is the API's concern (and the Xero simulator's, which fakes Xero's HTTP API); nowhere else. */
const HTTP_PACKAGES = ['express', 'http-errors', 'body-parser', 'swagger-ui-dist'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'coverage/**', '*.config.js', '*.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'activities/**/*.ts'],
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: { 'import/no-restricted-paths': ['error', { zones: roomZones }] },
  },
  {
    files: ['src/**/*.ts', 'activities/**/*.ts', 'workflows/**/*.ts'],
    ignores: ['src/api/**', 'src/xero-sim/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: HTTP_PACKAGES.map((name) => ({
            name,
            message: 'HTTP belongs to src/api: call the domain from a route there.',
          })),
        },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no non-workflow SDK packages.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflows must not use Node built-ins.' })),
          patterns: [
            {
              group: [
                '@temporalio/activity',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/testing',
                ...HTTP_PACKAGES,
              ],
              message: 'Workflows may only import @temporalio/workflow (and types).',
              allowTypeImports: true,
            },
            {
              regex: '^\\.\\./(activities(/.*)?|src/(?!definitions$).*)$',
              message:
                'Workflows import activities as types only, and shared code only from src/definitions.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  prettier,
);
