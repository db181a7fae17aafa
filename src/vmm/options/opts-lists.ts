// The QemuOptsLists behind the options we model, as qemu-system-s390x 7.2 declares them
// (names, implied keys, merging and schemas; help texts as -name help prints them).

import type { QemuOptsList } from './qemu-opts.js';

/** models qemu_device_opts: implied "driver", no schema (qdev checks properties later). */
export const DEVICE_OPTS: QemuOptsList = { name: 'device', impliedOptName: 'driver', mergeLists: false, desc: [] };

/** models qemu_accel_opts: implied "accel", no schema (accelerator properties are checked later). */
export const ACCEL_OPTS: QemuOptsList = { name: 'accel', impliedOptName: 'accel', mergeLists: false, desc: [] };

/** models qemu_name_opts: merged, implied "guest". */
export const NAME_OPTS: QemuOptsList = {
  name: 'name',
  impliedOptName: 'guest',
  mergeLists: true,
  desc: [
    {
      name: 'guest',
      type: 'string',
      help: 'Sets the name of the guest.\nThis name will be displayed in the SDL window caption.\nThe name will also be used for the VNC server',
    },
    { name: 'process', type: 'string', help: 'Sets the name of the QEMU process, as shown in top etc' },
    {
      name: 'debug-threads',
      type: 'bool',
      help: 'When enabled, name the individual threads; defaults off.\nNOTE: The thread names are for debugging and not a\nstable API.',
    },
  ],
};

/** models qemu_mem_opts: merged, implied "size". */
export const MEMORY_OPTS: QemuOptsList = {
  name: 'memory',
  impliedOptName: 'size',
  mergeLists: true,
  desc: [
    { name: 'size', type: 'size' },
    { name: 'slots', type: 'number' },
    { name: 'maxmem', type: 'size' },
  ],
};
