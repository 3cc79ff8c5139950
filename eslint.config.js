// ESLint (flat config): typescript-eslint's recommended rules, no import cycles between files, and the
// environment read only by the entry points (STYLE.md: every other module gets its slice of the config).
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Programs that start a process: the only places that may read process.env. */
const entryPoints = [
  'services/main.ts',
  'services/cli/main.ts',
  'simulators/cli.ts',
  'simulators/demo-main.ts',
  'simulators/bench/**/*.ts',
  'dashboards/generate.ts',
  'dashboards/schema/generate-schema.ts',
  'bin/**/*.ts',
  'tools/console-screenshots.ts',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', '.bench/', '.build*/', 'dashboards/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'only entry points read the environment; take the setting as an argument (STYLE.md)' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Entry points, and tests (which start FMS as a process and pass it an environment of their own).
    files: [...entryPoints, '**/*.test.ts', 'services/testing/**/*.ts', 'vitest.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The console's one script runs in the browser.
    files: ['services/console/static/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'fetch', 'setTimeout', 'clearTimeout', 'DOMParser', 'EventSource'].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    // Tests read the API's JSON answers without declaring a type for each and assert on what they need.
    files: ['**/*.test.ts', 'services/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
