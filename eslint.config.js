// `npm run lint` = ESLint (this file) + `prettier --check` (.prettierrc.json). Formatting is Prettier's
// alone: eslint-config-prettier turns off every rule it would fight with.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'data/',
      'media/',
      'bench/results/',
      'packages/*/dist/',
      'packages/client/src/generated/',
      'examples/web/dist/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its errors: `void` marks the ones left running on purpose.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    // Tests read whatever JSON an answer carries, and check it with expect().
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    rules: {
      // TypeORM takes its entity and migration classes as `Function` (migrations/index.ts, entities.ts).
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // `const { secret: _secret, ...rest } = x` leaves a property out on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  prettier,
);
