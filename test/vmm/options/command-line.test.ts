import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PROGNAME,
  formatDiagnostic,
  formatDiagnostics,
  formatOptionError,
  keyvalGetString,
  optionLocation,
  parseCommandLine,
  prognameFromArgv0,
  qemuOptGet,
  qemuProcessHelpOptions,
  QEMU_OPTIONS,
  renderDeviceHelp,
  type ParsedCommandLine,
} from '../../../src/vmm/options/index.js';
import { DEVICES } from './qemu-7.2-data.js';

const DOC_LINE = [
  '-nodefaults', '-nographic', '-S', '-machine', 's390-ccw-virtio,usb=off', '-cpu', 'host,ap=on,apqci=on,apft=on,apqi=on',
  '-m', '2G', '-name', 'guest1', '-enable-kvm',
  '-device', 'vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804,id=hostdev0',
  '--device', 'vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/b2c3,id=hostdev1',
];

function parsed(argv: readonly string[]): ParsedCommandLine {
  const outcome = parseCommandLine(argv);
  if (outcome.kind !== 'continue') throw new Error(formatDiagnostics(DEFAULT_PROGNAME, outcome.diagnostics));
  return outcome.commandLine;
}

describe('parseCommandLine', () => {
  it('collects the documented vfio-ap command line in order', () => {
    const cl = parsed(DOC_LINE);
    expect(cl.devices.map((d) => d.option.spelled)).toEqual(['-device', '--device']);
    const [first, second] = cl.devices;
    expect(first!.form === 'opts' && first!.opts.id).toBe('hostdev0');
    expect(second!.form === 'opts' && qemuOptGet(second!.opts, 'sysfsdev')).toBe('/sys/devices/vfio_ap/matrix/b2c3');
    expect(second!.option.arg).toBe('vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/b2c3,id=hostdev1');
    expect(keyvalGetString(cl.machine, 'type')).toBe('s390-ccw-virtio');
    expect(keyvalGetString(cl.machine, 'accel')).toBe('kvm');
    expect(cl.cpu?.text).toBe('host,ap=on,apqci=on,apft=on,apqi=on');
    expect(cl.memory && qemuOptGet(cl.memory, 'size')).toBe('2G');
    expect(cl.name && qemuOptGet(cl.name, 'guest')).toBe('guest1');
    expect([cl.nodefaults, cl.nographic, cl.startStopped]).toEqual([true, true, true]);
    expect(cl.options.map((o) => o.name)).toEqual(['nodefaults', 'nographic', 'S', 'machine', 'cpu', 'm', 'name', 'enable-kvm', 'device', 'device']);
  });

  it('formats later errors with the option text as typed', () => {
    const cl = parsed(DOC_LINE);
    const second = cl.devices[1]!;
    const line = formatDiagnostic(DEFAULT_PROGNAME, { severity: 'error', location: optionLocation(second.option), message: "No 'ap-bus' bus found for device 'vfio-ap'" });
    expect(line).toBe("qemu-system-s390x: --device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/b2c3,id=hostdev1: No 'ap-bus' bus found for device 'vfio-ap'\n");
    expect(formatDiagnostic('qemu-kvm', { severity: 'warning', location: { kind: 'none' }, message: "'apqci' requires 'ap'." }))
      .toBe("qemu-kvm: warning: 'apqci' requires 'ap'.\n");
    expect(prognameFromArgv0('/usr/bin/qemu-system-s390x')).toBe('qemu-system-s390x');
    const first = cl.devices[0]!.option;
    expect(formatOptionError(first, 'vfio hostdev0: group 1 is not viable', 'qemu-system-s390x',
      'Please ensure all devices within the iommu_group are bound to their vfio bus driver.\n'))
      .toBe(`qemu-system-s390x: -device ${first.arg}: vfio hostdev0: group 1 is not viable\n`
        + 'Please ensure all devices within the iommu_group are bound to their vfio bus driver.\n');
  });

  it('keeps the last -cpu, merges -name and -m, keeps every -accel', () => {
    const cl = parsed(['-cpu', 'qemu', '-cpu', 'max,ap=off', '-name', 'a', '-name', 'process=p', '-m', '1G', '-m', 'maxmem=4G',
      '-accel', 'tcg', '-accel', 'tcg,thread=single']);
    expect(cl.cpu?.text).toBe('max,ap=off');
    expect(cl.name?.opts.map((o) => o.name)).toEqual(['guest', 'process']);
    expect(cl.memory?.opts.map((o) => o.value)).toEqual([1n << 30n, 4n << 30n]);
    expect(cl.accels.map((a) => a.accel)).toEqual(['tcg', 'tcg']);
  });

  it('keeps JSON -device text for a later JSON parser and words without a dash as images', () => {
    const cl = parsed(['-device', '{"driver":"vfio-ap"}', 'disk.img']);
    expect(cl.devices[0]).toMatchObject({ form: 'json', json: '{"driver":"vfio-ap"}' });
    expect(cl.images).toEqual([{ argvIndex: 2, file: 'disk.img' }]);
  });

  it('records options it does not model and exits for the ones that print and quit', () => {
    expect(parsed(['-smp', '2', '-nodefaults']).options.map((o) => [o.name, o.arg])).toEqual([['smp', '2'], ['nodefaults', undefined]]);
    expect(parseCommandLine(['-h'])).toMatchObject({ kind: 'exit', exitCode: 0, help: { kind: 'usage' } });
    expect(parseCommandLine(['--help'])).toMatchObject({ kind: 'exit', exitCode: 0, help: { kind: 'usage' } });
    expect(parseCommandLine(['-audio-help'])).toMatchObject({ kind: 'exit', exitCode: 0, help: { kind: 'audio-help' } });
  });

  it('knows the 7.2 option table', () => {
    expect(QEMU_OPTIONS.get('device')).toEqual({ name: 'device', hasArg: true, supported: true });
    expect(QEMU_OPTIONS.get('enable-kvm')).toEqual({ name: 'enable-kvm', hasArg: false, supported: true });
    expect(QEMU_OPTIONS.get('no-acpi')?.supported).toBe(false);
    expect(QEMU_OPTIONS.has('no-kvm')).toBe(false);
  });
});

describe('qemuProcessHelpOptions', () => {
  it('puts -cpu help before device help and the first -device with help first', () => {
    expect(qemuProcessHelpOptions(parsed(['-device', 'vfio-ap,help', '-cpu', '?']))).toEqual({ kind: 'cpu-list', cpuOption: '?' });
    const r = qemuProcessHelpOptions(parsed(['-device', 'vfio-ap', '-device', 'foo,help', '-device', 'vfio-ap,help']));
    expect(r).toMatchObject({ kind: 'device-properties', driver: 'foo' });
    expect(qemuProcessHelpOptions(parsed(['-device', 'x,driver=?']))).toMatchObject({ kind: 'device-list' });
    expect(qemuProcessHelpOptions(parsed(['-L', 'help']))).toMatchObject({ kind: 'data-dirs' });
    expect(qemuProcessHelpOptions(parsed(['-device', 'sysfsdev=x,help']))).toBeUndefined();
  });

  it('renders an unknown device with its -device location and exit status 0', () => {
    const request = qemuProcessHelpOptions(parsed(['-device', 'foo,help']));
    if (request?.kind !== 'device-properties') throw new Error('expected a device help request');
    expect(renderDeviceHelp(request, DEVICES, DEFAULT_PROGNAME)).toEqual({
      exitCode: 0, stdout: '', stderr: "qemu-system-s390x: -device foo,help: Device 'foo' not found\n",
    });
  });
});
