// Lint rules: typed typescript-eslint with the checks the style guide asks for.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**', 'dist/**', 'contracts/artifacts/**', 'contracts/cache/**', 'coverage/**', '.kassa/**', 'test-artifacts/**', '**/*.js', '**/*.mjs',
      // Shipped to every customer's browser: linted below.
      '!apps/api/src/checkout/assets/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The checkout page's script: plain ES5 in the browser, no modules, no build step.
    files: ['apps/api/src/checkout/assets/*.js'],
    languageOptions: { ecmaVersion: 5, sourceType: 'script', globals: { ...globals.browser } },
    rules: {
      'no-var': 'off',
      'no-implicit-globals': 'error',
      'no-undef': 'error',
      eqeqeq: ['error', 'always'],
      strict: ['error', 'function'],
      '@typescript-eslint/no-unused-vars': ['error', { caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../../libs/*', '../../../libs/*', '../../../../libs/*'], message: 'Import libs through @kassa/<lib>.' }] },
      ],
    },
  },
  {
    // What ships never loads the test kit.
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: ['libs/testing/**', '**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@kassa/testing', message: 'Production code does not import the test kit.' },
            { name: '@kassa/testing/scenario', message: 'Production code does not import the test kit.' },
          ],
          patterns: [{ group: ['../../libs/*', '../../../libs/*', '../../../../libs/*'], message: 'Import libs through @kassa/<lib>.' }],
        },
      ],
    },
  },
);
