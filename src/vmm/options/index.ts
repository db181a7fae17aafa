// The QEMU command-line option layer: QemuOpts, keyval, -cpu, argv handling and help texts.

export * from './bool.js';
export * from './command-line.js';
export * from './cpu-option.js';
export * from './help-option.js';
export * from './help.js';
export * from './id.js';
export * from './keyval.js';
export * from './opt-value.js';
export * from './opts-lists.js';
export * from './process-help.js';
export * from './qemu-error.js';
export * from './qemu-options-table.js';
export * from './qemu-opts.js';
export * from './qemu-strtosz.js';
export * from './report.js';
export * from './strtoull.js';
