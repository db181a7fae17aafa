// The library API: `import { bootTwin } from 'vfioctl'`. Everything a program needs to drive
// the twin in process: boot or load a twin, the syscall surface and sysfs helpers, mdev
// management (mdevctl's functions over a SysfsBackend), QEMU start/monitor/stop, guest views,
// the kernel log, the trace, events and snapshots. The CLI, the mount and the server use it.

export { bootHost, bootTwin, presetNames, resolveSpec, type BootOptions } from './boot.js';
export { LiveTwin, type DmesgPage } from './live-twin.js';
export { guestCrycb, guestLszcrypt, vmList, vmMonitor, vmReset, vmStop, vmTrace, type VmRow } from './vm-commands.js';
export { Twin, type TwinSnapshot, type TwinRestoreOptions } from './twin.js';
export { StateStore, NoStateError } from './state-store.js';
export { resolveStatePath } from './state-path.js';
export { ApiError } from './errors.js';
export { SyscallFailure, type SyscallFailureJson, type SysOp } from './syscall-failure.js';
export { TwinEvents, type TwinEvent, type TwinListener, type LogEvent, type UeventEvent, type TraceStepEvent, type ChangeEvent } from './twin-events.js';
export { apGrid, CELL, MDEV_BASE, type ApGrid, type GridMdev } from './ap-grid.js';
export { withBackend, FILES_SECTION, type ManageOptions } from './manage-session.js';

export { Host, type HostSnapshot } from '../kernel/host.js';
export type { HostSpec, Profile, PresetName } from '../kernel/host-spec.js';
export { KernelError, strerror, errnoNumber, type ErrnoName } from '../core/errno.js';
export { O_RDONLY, O_WRONLY, O_RDWR, readText, writeText, type Syscalls, type Stat } from '../kernel/syscall-surface.js';
export { ApMask } from '../core/ap-mask.js';
export { VmManager } from '../vmm/vm-manager.js';
export type { Vm } from '../vmm/vm.js';
export type { CommandOutput } from '../vmm/vm-host.js';
export { formatTrace, type TraceEvent } from '../vmm/trace.js';
export { lszcrypt } from '../guest/lszcrypt.js';
export { s390Board } from '../vmm/s390/board.js';
export type { SysfsBackend } from '../manage/backend.js';
export { mdevList } from '../manage/mdev-list.js';
export { mdevTypes } from '../manage/mdev-types.js';
export { mdevDefine, mdevUndefine } from '../manage/mdev-define.js';
export { mdevModify } from '../manage/mdev-modify.js';
export { mdevStart, mdevStop } from '../manage/mdev-start.js';
export { checkConfigs } from '../manage/mdev-check.js';
export { MdevOutput } from '../manage/mdev-output.js';
export { setMasks, showMasks } from '../manage/ap-masks.js';
