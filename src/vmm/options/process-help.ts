// The help requests QEMU honours after the option loop and before it creates the
// machine (qemu_process_help_options): -cpu help, then the first -device asking for
// help, then -L help. Each ends QEMU with exit status 0.

import { type CommandLineOption, type ParsedCommandLine, optionLocation } from './command-line.js';
import { isCpuHelp } from './cpu-option.js';
import { deviceHelp, formatDeviceList, type DeviceTypeInfo } from './help.js';
import { isHelpOption } from './help-option.js';
import { qemuOptGet, qemuOptHasHelpOpt } from './qemu-opts.js';
import { formatDiagnostic } from './report.js';

export type PostParseHelp =
  | { readonly kind: 'cpu-list'; readonly cpuOption: string }
  | { readonly kind: 'device-list'; readonly option: CommandLineOption }
  | { readonly kind: 'device-properties'; readonly driver: string; readonly option: CommandLineOption }
  | { readonly kind: 'data-dirs'; readonly option: CommandLineOption };

/** models device_help_func → qdev_device_help's decision: list all, list one, or not help. */
function deviceHelpRequest(cl: ParsedCommandLine): PostParseHelp | undefined {
  for (const device of cl.devices) {
    if (device.form !== 'opts') continue;
    const driver = qemuOptGet(device.opts, 'driver');
    if (driver !== undefined && isHelpOption(driver)) return { kind: 'device-list', option: device.option };
    if (driver === undefined || !qemuOptHasHelpOpt(device.opts)) continue;
    return { kind: 'device-properties', driver, option: device.option };
  }
  return undefined;
}

/** models qemu_process_help_options: the first help request in QEMU's order, if any. */
export function qemuProcessHelpOptions(cl: ParsedCommandLine): PostParseHelp | undefined {
  if (cl.cpu && isCpuHelp(cl.cpu.text)) return { kind: 'cpu-list', cpuOption: cl.cpu.text };
  const device = deviceHelpRequest(cl);
  if (device) return device;
  const dataDirs = cl.options.find((o) => o.name === 'L' && o.arg !== undefined && isHelpOption(o.arg));
  return dataDirs ? { kind: 'data-dirs', option: dataDirs } : undefined;
}

export interface HelpOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Renders a device help request with the given device table: the listing, the
 * property list, or the error (printed with the -device location; exit status still 0).
 */
export function renderDeviceHelp(
  request: Extract<PostParseHelp, { kind: 'device-list' | 'device-properties' }>,
  devices: readonly DeviceTypeInfo[],
  progname: string,
): HelpOutput {
  if (request.kind === 'device-list') return { exitCode: 0, stdout: formatDeviceList(devices), stderr: '' };
  const r = deviceHelp(request.driver, devices);
  if (r.kind === 'text') return { exitCode: 0, stdout: r.stdout, stderr: '' };
  const stderr = formatDiagnostic(progname, { severity: 'error', location: optionLocation(request.option), message: r.message });
  return { exitCode: 0, stdout: '', stderr };
}
