import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import importPlugin from 'eslint-plugin-import';
import { builtinModules } from 'node:module';
import path from 'node:path';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

/**
 * The rooms of the code, from the top down (docs/architecture.md "Folder map"): an import may
 * only go down this list, never up or sideways, so the rooms can form no cycle. Entry points first, the
 * Temporal-facing edge (`../workflows/`, `../activities/`, the top-level folders), then the request layer, the
 * engine and the rooms it builds on, down to the root modules that import nothing of the product.
 */
export const ORDER = [
  'start.ts',
  'worker.ts',
  'healthcheck.ts',
  'cli/',
  'api/',
  '../workflows/',
  '../activities/',
  'web/',
  'demo/',
  'webhooks/',
  'requests/',
  'engine/',
  'runtime.ts',
  'orders/',
  'businesses/',
  'xero/',
  'xero-sim/',
  'temporal/',
  'sessions/',
  'api-keys/',
  'observability/',
  'db/',
  'supervisor.ts',
  'config.ts',
  'definitions.ts',
  'contract/',
  'calendar.ts',
  'text.ts',
  'money.ts',
  'errors.ts',
  'logger.ts',
  'random.ts',
];

/**
 * What each room may import: rooms below it (ORDER), and only those it uses. A folder is `name/`, a top-level
 * module `name.ts`, both under src/; `../x/` is a top-level folder. test/unit/folder-map.test.ts keeps this table,
 * ORDER, the folders on disk and docs/architecture.md's folder map the same, and checks the table is acyclic.
 */
export const ROOMS = {
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
  'worker.ts': [
    '../activities/',
    'config.ts',
    'definitions.ts',
    'logger.ts',
    'observability/',
    'runtime.ts',
    'temporal/',
  ],
  'healthcheck.ts': ['config.ts'],
  'cli/': [
    'api-keys/',
    'businesses/',
    'calendar.ts',
    'config.ts',
    'db/',
    'demo/',
    'logger.ts',
    'orders/',
    'requests/',
    'sessions/',
    'text.ts',
    'webhooks/',
    'xero/',
  ],
  'api/': [
    'api-keys/',
    'businesses/',
    'config.ts',
    'contract/',
    'db/',
    'errors.ts',
    'logger.ts',
    'observability/',
    'requests/',
    'runtime.ts',
    'sessions/',
    'text.ts',
    'web/',
    'webhooks/',
    'xero/',
  ],
  // Deterministic workflow code: activities as types only, and the Temporal contract (its own rule below).
  '../workflows/': ['../activities/', 'definitions.ts'],
  // Thin: each activity calls one function of the engine (or of the request layer, or webhooks).
  '../activities/': [
    'definitions.ts',
    'engine/',
    'errors.ts',
    'requests/',
    'runtime.ts',
    'webhooks/',
    'xero/',
  ],
  // The merchant page's views and assets (its client code imports the contract only).
  'web/': ['calendar.ts', 'contract/', 'money.ts'],
  'demo/': ['api-keys/', 'businesses/', 'calendar.ts', 'db/', 'orders/', 'sessions/', 'xero/', 'xero-sim/'],
  'webhooks/': [
    'config.ts',
    'contract/',
    'db/',
    'definitions.ts',
    'errors.ts',
    'observability/',
    'requests/',
    'xero/',
  ],
  'requests/': [
    'businesses/',
    'calendar.ts',
    'config.ts',
    'contract/',
    'db/',
    'definitions.ts',
    'engine/',
    'errors.ts',
    'money.ts',
    'orders/',
    'text.ts',
    'xero/',
  ],
  'engine/': [
    'businesses/',
    'calendar.ts',
    'contract/',
    'db/',
    'definitions.ts',
    'errors.ts',
    'money.ts',
    'observability/',
    'orders/',
    'runtime.ts',
    'xero/',
  ],
  'runtime.ts': ['config.ts', 'db/', 'logger.ts', 'xero/'],
  'orders/': [
    'businesses/',
    'calendar.ts',
    'contract/',
    'db/',
    'errors.ts',
    'money.ts',
    'random.ts',
    'text.ts',
    'xero/',
  ],
  'businesses/': ['calendar.ts', 'contract/', 'db/', 'errors.ts', 'money.ts', 'text.ts', 'xero/'],
  'xero/': ['config.ts', 'contract/', 'db/', 'logger.ts', 'money.ts', 'observability/'],
  'xero-sim/': ['calendar.ts', 'money.ts', 'random.ts'],
  'temporal/': ['definitions.ts'],
  'sessions/': ['db/'],
  'api-keys/': ['db/'],
  'observability/': ['logger.ts'],
  'db/': ['config.ts', 'supervisor.ts'],
  'supervisor.ts': [],
  'config.ts': [],
  'definitions.ts': ['contract/'],
  'contract/': ['calendar.ts', 'errors.ts', 'text.ts'],
  'calendar.ts': ['errors.ts'],
  'text.ts': [],
  'money.ts': [],
  'errors.ts': [],
  'logger.ts': [],
  'random.ts': [],
};

/** A room's files as the rule matches them, from `base` (the project's root). */
const roomPath = (base, room) => `${base}/${path.posix.normalize(`src/${room}`).replace(/\/$/, '')}`;

/**
 * One zone per room: its files may import no other room's files but those it lists. Type-only imports count too
 * (the rule reads every import declaration); cycles between files are refused by import/no-cycle, and madge
 * (`npm run cycles`) also counts type-only ones. `base` is `.` here; test/unit/rooms.test.ts lints fixtures
 * laid out the same way elsewhere.
 */
export function roomZones(base = '.') {
  return Object.entries(ROOMS).map(([room, allowed]) => ({
    target: room.endsWith('/') ? `${roomPath(base, room)}/**` : roomPath(base, room),
    from: ORDER.filter((other) => other !== room && !allowed.includes(other)).map((r) => roomPath(base, r)),
    message: `src/${room} may import only ${allowed.join(', ') || 'nothing of the product'} (docs/architecture.md "Folder map").`,
  }));
}

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
    files: ['src/**/*.{ts,tsx}', 'activities/**/*.ts', 'workflows/**/*.ts'],
    plugins: { import: importPlugin },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } },
      // no-cycle follows imports through the files it parses: TypeScript's parser reads them.
      'import/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    rules: {
      'import/no-restricted-paths': ['error', { zones: roomZones() }],
      // No cycle between files, whatever their rooms (madge, in CI, also counts type-only imports).
      'import/no-cycle': ['error', { ignoreExternal: true }],
    },
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
