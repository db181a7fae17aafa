import { describe, expect, it } from 'vitest';
import { cpuFeatureMap, formatGlobalPropertyError, isCpuHelp, parseCpuOption, QemuOptsError } from '../../../src/vmm/options/index.js';

describe('parseCpuOption', () => {
  it('splits the documented vfio-ap CPU line into model and features', () => {
    const cpu = parseCpuOption('host,ap=on,apqci=on,apft=on,apqi=on');
    expect(cpu.model).toBe('host');
    expect(cpu.features).toEqual([
      { name: 'ap', value: 'on' }, { name: 'apqci', value: 'on' }, { name: 'apft', value: 'on' }, { name: 'apqi', value: 'on' },
    ]);
    expect([...cpuFeatureMap(cpu)]).toEqual([['ap', 'on'], ['apqci', 'on'], ['apft', 'on'], ['apqi', 'on']]);
  });

  it('skips empty tokens, splits at the first "=", last setting wins in the map', () => {
    const cpu = parseCpuOption('qemu,,ap=on=x,,ap=off,');
    expect(cpu.features).toEqual([{ name: 'ap', value: 'on=x' }, { name: 'ap', value: 'off' }]);
    expect(cpuFeatureMap(cpu).get('ap')).toBe('off');
  });

  it('refuses legacy +feat/-feat and bare features as QEMU 7.2 does', () => {
    for (const bad of ['+ap', '-ap', 'ap', 'help']) {
      expect(() => parseCpuOption(`qemu,${bad}`)).toThrow(`Expected key=value format, found ${bad}.`);
    }
  });

  it('resolves the model before looking at features', () => {
    const resolve = (m: string) => (m === 'qemu' ? 'qemu-s390x-cpu' : undefined);
    expect(() => parseCpuOption('host,+ap', resolve)).toThrow("unable to find CPU model 'host'");
    expect(() => parseCpuOption('', resolve)).toThrow('-cpu option cannot be empty');
    const e = (() => { try { parseCpuOption(',', resolve); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(QemuOptsError);
    expect((e as QemuOptsError).kind).toBe('cpu-model-not-found');
    expect(parseCpuOption('qemu', resolve)).toEqual({ model: 'qemu', features: [] });
  });

  it('knows the help spellings and the global-property error form', () => {
    expect(isCpuHelp('help')).toBe(true);
    expect(isCpuHelp('?')).toBe(true);
    expect(isCpuHelp('help,ap=on')).toBe(false);
    expect(formatGlobalPropertyError('qemu-s390x-cpu', 'ap', 'maybe', "Parameter 'ap' expects 'on' or 'off'"))
      .toBe("can't apply global qemu-s390x-cpu.ap=maybe: Parameter 'ap' expects 'on' or 'off'");
  });
});
