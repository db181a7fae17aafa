// Replays every captured qemu-system-s390x 7.2 run through the model and checks the
// part of QEMU's output that the option layer is responsible for, byte for byte.

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PROGNAME,
  formatAccelHelp,
  formatDiagnostics,
  formatMachineHelp,
  formatOptsListHelp,
  formatVersion,
  parseCommandLine,
  parseCpuOption,
  QemuOptsError,
  qemuProcessHelpOptions,
  renderDeviceHelp,
  type CommandLineHelp,
} from '../../../src/vmm/options/index.js';
import { DEVICE_LIST, DEVICES, FIXTURE, MACHINES, QEMU_FULL_VERSION, resolveCpuModel, type FixtureCase } from './qemu-7.2-data.js';

/** Renders what QEMU prints on stdout for a help exit during option parsing. */
function renderParseHelp(help: CommandLineHelp | undefined): string {
  switch (help?.kind) {
    case undefined: return '';
    case 'machine': return formatMachineHelp(help.type, MACHINES);
    case 'accel': return formatAccelHelp(['tcg']);
    case 'opts-list': return formatOptsListHelp(help.list);
    case 'version': return formatVersion(QEMU_FULL_VERSION);
    case 'usage':
    case 'audio-help':
      throw new Error(`${help.kind} output is not modelled`);
  }
}

function continued(c: FixtureCase) {
  const outcome = parseCommandLine(c.args);
  if (outcome.kind !== 'continue') throw new Error(`expected parsing to go on, got exit ${outcome.exitCode}`);
  return outcome;
}

function checkCase(c: FixtureCase): void {
  switch (c.stage) {
    case 'parse': {
      const outcome = parseCommandLine(c.args);
      expect(outcome.kind).toBe('exit');
      if (outcome.kind !== 'exit') return;
      expect(outcome.exitCode).toBe(c.exitCode);
      expect(formatDiagnostics(DEFAULT_PROGNAME, outcome.diagnostics)).toBe(c.stderr);
      expect(renderParseHelp(outcome.help)).toBe(c.stdout);
      return;
    }
    case 'help': {
      const outcome = continued(c);
      const request = qemuProcessHelpOptions(outcome.commandLine);
      expect(request).toBeDefined();
      const warnings = formatDiagnostics(DEFAULT_PROGNAME, outcome.diagnostics);
      if (request!.kind === 'cpu-list') {
        // The CPU model list belongs to the s390 CPU model layer: check the decision only.
        expect(c.exitCode).toBe(0);
        expect(c.stderr).toBe(warnings);
        return;
      }
      if (request!.kind === 'data-dirs') throw new Error('-L help is not in the fixtures');
      const table = request!.kind === 'device-list' ? DEVICE_LIST : DEVICES;
      const out = renderDeviceHelp(request!, table, DEFAULT_PROGNAME);
      expect(out.exitCode).toBe(c.exitCode);
      expect(out.stdout).toBe(c.stdout);
      expect(warnings + out.stderr).toBe(c.stderr);
      return;
    }
    case 'cpu': {
      const outcome = continued(c);
      expect(qemuProcessHelpOptions(outcome.commandLine)).toBeUndefined();
      let error: unknown;
      try {
        parseCpuOption(outcome.commandLine.cpu!.text, resolveCpuModel);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(QemuOptsError);
      expect(`${DEFAULT_PROGNAME}: ${(error as QemuOptsError).qemuMessage}\n`).toBe(c.stderr);
      return;
    }
    case 'later':
    case 'started': {
      const outcome = continued(c);
      expect(qemuProcessHelpOptions(outcome.commandLine)).toBeUndefined();
      if (outcome.commandLine.cpu) expect(() => parseCpuOption(outcome.commandLine.cpu!.text, resolveCpuModel)).not.toThrow();
      // QEMU's later stages print after the option layer's warnings.
      expect(c.stderr.startsWith(formatDiagnostics(DEFAULT_PROGNAME, outcome.diagnostics))).toBe(true);
      return;
    }
  }
}

describe('qemu-system-s390x 7.2 captured runs', () => {
  it('the fixture comes from QEMU 7.2', () => {
    expect(FIXTURE.qemu).toMatch(/^QEMU emulator version 7\.2\./);
    expect(FIXTURE.cases.length).toBeGreaterThan(200);
  });

  for (const stage of ['parse', 'help', 'cpu', 'later', 'started'] as const) {
    describe(stage, () => {
      for (const c of FIXTURE.cases.filter((x) => x.stage === stage)) {
        it(`${c.note}: ${c.args.join(' ').slice(0, 100)}`, () => checkCase(c));
      }
    });
  }
});
