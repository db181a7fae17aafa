// Layer rules from DESIGN.md: a layer imports only from the layers listed above it, and no
// file imports itself back through a cycle.
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message })) }],
  },
});

const above = {
  core: ['**/kernel/**', '**/vmm/**', '**/guest/**', '**/manage/**', '**/api/**', '**/fuse/**', '**/server/**', '**/cli/**'],
  kernel: ['**/vmm/**', '**/guest/**', '**/manage/**', '**/api/**', '**/fuse/**', '**/server/**', '**/cli/**'],
  manage: ['**/api/**', '**/fuse/**', '**/server/**', '**/cli/**'],
  api: ['**/fuse/**', '**/server/**', '**/cli/**'],
  fuse: ['**/server/**', '**/cli/**'],
  server: ['**/cli/**'],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-warning-comments': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { ...importX.flatConfigs.typescript.settings, 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  layer(['src/core/**'], above.core, 'core is the bottom layer and imports no other layer'),
  layer(['src/kernel/**'], above.kernel, 'the kernel twin knows nothing of user space'),
  // The VMM and the guest reach the kernel only through the syscall surface (DESIGN.md, Seams).
  layer(['src/vmm/**', 'src/guest/**'],
    ['**/kernel/*/**', '!**/kernel/syscall-surface.js', '**/manage/**', '**/api/**', '**/fuse/**', '**/server/**', '**/cli/**'],
    'user space talks to the kernel only through kernel/syscall-surface'),
  layer(['src/manage/**'], above.manage, 'manage sits below api, fuse, server and cli'),
  layer(['src/api/**'], above.api, 'the library API sits below fuse, server and cli'),
  layer(['src/fuse/**'], above.fuse, 'fuse sits below server and cli'),
  layer(['src/server/**'], above.server, 'the server sits below cli'),
  // Start-up (DESIGN.md, State): the kernel, the library layer and the CLI wiring load on
  // every start, so they may use the HostSpec schemas (zod) only for types; parsing a spec
  // happens where one is given (host init, demo), in modules loaded for that.
  {
    files: ['src/kernel/**', 'src/api/**', 'src/cli/*.ts'],
    ignores: ['**/*host-spec*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['zod', '**/host-spec.js', '**/*-host-spec.js', '**/host-spec-common.js'],
              allowTypeImports: true,
              message: 'HostSpec schemas stay off the start path: import the types, or host-spec-types.js',
            },
          ],
        },
      ],
    },
  },
);
