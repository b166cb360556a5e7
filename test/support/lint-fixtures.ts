// Lints test/fixtures/rooms with the project's own room table (eslint.config.mjs: ORDER, ROOMS, roomZones) and
// prints, per fixture file, the rules that refused it. Run by test/unit/rooms.test.ts in a node process of its
// own (`node --import tsx`): the table is an ES module, and jest runs the tests as CommonJS.
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '../fixtures/rooms');

async function main(): Promise<void> {
  // The project's own table, and the plugins as the project's config loads them (ES modules).
  const config = '../../eslint.config.mjs';
  const { roomZones } = (await import(config)) as { roomZones: (base: string) => unknown[] };
  const pluginModule = (await import('eslint-plugin-import')) as ESLint.Plugin & { default?: ESLint.Plugin };
  // A CommonJS package: its exports are the plugin, whether or not the loader adds a default.
  const importPlugin = pluginModule.default ?? pluginModule;
  const tseslint = (await import('typescript-eslint')).default;
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { import: importPlugin },
        settings: {
          'import/resolver': { node: { extensions: ['.ts', '.js'] } },
          'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
        },
        rules: {
          'import/no-restricted-paths': ['error', { zones: roomZones('.'), basePath: root }],
          'import/no-cycle': ['error', { ignoreExternal: true }],
        },
      },
    ],
  });
  const results = await eslint.lintFiles(['src/**/*.ts']);
  const refused = Object.fromEntries(
    results.map((r) => [
      path.relative(root, r.filePath),
      [...new Set(r.messages.map((m) => m.ruleId ?? m.message))].sort(),
    ]),
  );
  process.stdout.write(JSON.stringify(refused));
}

void main();
