// Process boundaries are enforced here, not by convention: only the Electron shell and the preload may
// import 'electron'; the renderer never reaches into Node or the main process; the server stands alone.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const electronOnlyInShell = {
  name: 'electron',
  message: "Only src-main/shell and src-preload/preload.ts may import 'electron'; keep the rest plain Node.",
};
const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'worker_threads'];

export const boundaryRules = [
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    ignores: ['src-main/shell/**', 'src-preload/preload.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOnlyInShell] }] },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInShell, ...nodeBuiltins.map((name) => ({ name, message: 'The renderer has no Node.' }))],
          patterns: [
            { group: ['node:*'], message: 'The renderer has no Node.' },
            {
              group: ['**/src-main/**', '**/server/**'],
              message: 'The renderer talks to main only through the bridge.',
            },
            { group: ['**/src-preload/preload', '**/src-preload/api'], message: 'Use window.clinic, not the preload.' },
          ],
        },
      ],
    },
  },
  {
    // The protocol is shared by the server, the main process, the preload and the renderer: zod and pure
    // libraries that run in a browser as well (libphonenumber-js), never Node or another layer.
    files: ['protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            electronOnlyInShell,
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'The protocol imports nothing of Node or of another layer.',
            })),
          ],
          patterns: [
            {
              group: ['node:*', '**/src-main/**', '**/src-renderer/**', '**/src-preload/**', '**/server/**'],
              message: 'The protocol imports nothing of Node or of another layer.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInShell],
          patterns: [
            {
              group: ['**/src-main/**', '**/src-renderer/**', '**/src-preload/**'],
              message: 'The server owns its own API.',
            },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'screenshots/**', 'packages/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  ...boundaryRules,
  prettier,
);
