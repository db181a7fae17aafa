// Layer rules from DESIGN.md: a layer imports only from the layers listed above it.
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message })) }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-warning-comments': 'off',
    },
  },
  layer(['src/core/**'], ['**/kernel/**', '**/vmm/**', '**/guest/**', '**/manage/**', '**/fuse/**', '**/cli/**', '**/server/**'],
    'core is the bottom layer and imports no other layer'),
  layer(['src/kernel/**'], ['**/vmm/**', '**/guest/**', '**/manage/**', '**/fuse/**', '**/cli/**', '**/server/**'],
    'the kernel twin knows nothing of user space'),
  // The VMM and the guest reach the kernel only through the syscall surface (DESIGN.md, Seams).
  layer(['src/vmm/**', 'src/guest/**'],
    ['**/kernel/*/**', '!**/kernel/syscall-surface.js', '**/manage/**', '**/fuse/**', '**/cli/**', '**/server/**'],
    'user space talks to the kernel only through kernel/syscall-surface'),
  layer(['src/manage/**'], ['**/fuse/**', '**/cli/**', '**/server/**'], 'manage sits below fuse, cli and server'),
  layer(['src/fuse/**'], ['**/cli/**', '**/server/**'], 'fuse sits below cli and server'),
);
