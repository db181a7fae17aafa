// The human monitor (monitor/hmp-cmds.c, qdev-monitor.c): the commands a user of the twin
// types at `(qemu)`: device_add, device_del, system_reset, stop, cont, info, quit.

import { DEVICE_OPTS, QemuOptsError, deviceHelp, formatDeviceList, isHelpOption, qemuOptGet, qemuOptHasHelpOpt, qemuOptsParse, type QemuOpts } from '../options/index.js';
import type { BusState } from '../qdev/qdev.js';
import { findDeviceState, qdevDeviceAdd, qdevUnplug } from '../qdev/qdev-monitor.js';
import { deviceOptions, deviceTypeInfos } from '../qemu-init.js';
import { QemuError } from '../qemu-error.js';
import type { Vm } from '../vm.js';

/** Runs one HMP command line on a VM; returns the monitor's output and whether it reported an error. */
export function hmp(vm: Vm, cmdline: string): { output: string; error: boolean } {
  const out: string[] = [];
  const prevSink = vm.sink;
  vm.sink = { kind: 'monitor', out };
  let error = false;
  const fail = (e: unknown): void => {
    if (!(e instanceof QemuError)) throw e;
    error = true;
    // QEMU 4.2 made hmp_handle_error print "Error: "; 3.1's error_report_err did not
    out.push(`${vm.profile === 'modern' ? 'Error: ' : ''}${e.message}\n${e.hints.map((h) => `${h}\n`).join('')}`);
  };
  try {
    const trimmed = cmdline.replace(/^\s+/, '');
    const m = /^(\S*)\s*(.*)$/s.exec(trimmed)!;
    const cmd = m[1]!;
    const args = m[2]!.trim();
    switch (cmd) {
      case '':
        break;
      case 'device_add':
        try {
          hmpDeviceAdd(vm, args, out);
        } catch (e) {
          if (e instanceof QemuOptsError) {
            error = true;
            out.push(`${e.qemuMessage}\n${e.hint ?? ''}`);
          } else fail(e);
        }
        break;
      case 'device_del':
        if (!args) {
          error = true;
          out.push('device_del: string expected\n');
          break;
        }
        try {
          // models qmp_device_del: find_device_state then qdev_unplug
          const dev = findDeviceState(vm, args);
          vm.trace('qmp_device_del', `${args} (${dev.typeName})`);
          qdevUnplug(dev);
        } catch (e) {
          fail(e);
        }
        break;
      case 'system_reset':
        vm.sink = prevSink;
        vm.systemReset();
        break;
      case 'stop':
        vm.status = 'paused';
        break;
      case 'cont':
      case 'c':
        vm.cont();
        break;
      case 'info':
        if (args === 'status') out.push(`VM status: ${vm.status === 'running' ? 'running' : 'paused'}\n`);
        else if (args === 'qtree') out.push(infoQtree(vm.sysbus));
        else if (args === 'name') out.push(`${vm.id}\n`);
        else {
          error = true;
          out.push(`unknown command: 'info ${args}'\n`);
        }
        break;
      case 'quit':
      case 'q':
        vm.exit();
        break;
      default:
        error = true;
        out.push(`unknown command: '${cmd}'\n`);
    }
  } finally {
    vm.sink = prevSink;
  }
  return { output: out.join(''), error };
}

/** models hmp_device_add → qmp_device_add (the "device" QemuOpts list, help, qdev_device_add). */
function hmpDeviceAdd(vm: Vm, args: string, out: string[]): void {
  const existing: QemuOpts[] = vm.devices().filter((d) => d.id !== undefined).map((d) => ({ list: 'device', id: d.id!, opts: [] }));
  const r = qemuOptsParse(DEVICE_OPTS, args, existing);
  if (r.kind === 'help') return;
  const opts = r.opts;
  const driver = qemuOptGet(opts, 'driver');
  // models qdev_device_help in the monitor
  if (driver !== undefined && isHelpOption(driver)) {
    out.push(formatDeviceList(deviceTypeInfos(vm.types)));
    return;
  }
  if (driver !== undefined && qemuOptHasHelpOpt(opts)) {
    const h = deviceHelp(driver, deviceTypeInfos(vm.types));
    out.push(h.kind === 'text' ? h.stdout : `${h.message}\n`);
    return;
  }
  const dev = qdevDeviceAdd({ vm, types: vm.types }, deviceOptions(opts));
  vm.trace('qdev_device_add', `${dev.typeName}${dev.id ? ` id=${dev.id}` : ''} hot plugged`);
}

/** A small `info qtree`: buses and devices with their properties. */
function infoQtree(root: BusState): string {
  const lines: string[] = [];
  const bus = (b: BusState, indent: string): void => {
    lines.push(`${indent}bus: ${b.name}`, `${indent}  type ${b.typeName}`);
    for (const d of b.children) {
      lines.push(`${indent}  dev: ${d.typeName}, id "${d.id ?? ''}"`);
      for (const p of d.cls.props) {
        const v = p.get(d);
        lines.push(`${indent}    ${p.name} = ${typeof v === 'string' ? `"${v}"` : v === undefined ? '""' : String(v)}`);
      }
      for (const c of d.childBuses) bus(c, `${indent}    `);
    }
  };
  bus(root, '');
  return lines.map((l) => `${l}\n`).join('');
}
