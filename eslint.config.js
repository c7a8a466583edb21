import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  prettier,
  ...svelte.configs.prettier,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      'no-undef': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
      ],
      // The app is served at the root (no paths.base), so plain hrefs are already resolved.
      'svelte/no-navigation-without-resolve': 'off'
    }
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig
      }
    }
  },
  {
    // The engine is pure: it runs in the worker, in Node (CLI, bench, tests) and on the server.
    files: ['src/lib/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['dexie', 'dexie/*'], message: 'The engine is pure: no storage.' },
            {
              group: ['svelte', 'svelte/*', '$app/*', '*.svelte'],
              message: 'The engine is pure: no UI.'
            },
            {
              group: ['comlink', 'papaparse', '$lib/storage/*', '$lib/worker/*', '$lib/csv/*'],
              message: 'The engine depends on nothing outside src/lib/engine.'
            }
          ]
        }
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: '`now` is a parameter in the engine.' }
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'indexedDB', 'navigator']
    }
  },
  {
    ignores: [
      'build/',
      '.svelte-kit/',
      'node_modules/',
      'test-results/',
      'playwright-report/',
      'bench/out/',
      'data/'
    ]
  }
);
