// -cpu MODEL[,feat=value...]: QEMU only stores the text while parsing the command line;
// it splits it after machine creation (parse_cpu_option), so errors carry no location.

import { isHelpOption } from './help-option.js';
import { QemuOptsError } from './qemu-error.js';

export interface CpuFeatureSetting {
  readonly name: string;
  readonly value: string;
}

export interface CpuOption {
  readonly model: string;
  /** Every key=value in order; QEMU registers each as a global property, so the last one wins. */
  readonly features: readonly CpuFeatureSetting[];
}

/** Maps a -cpu model name to its QOM type (e.g. "qemu" → "qemu-s390x-cpu"), or undefined. */
export type CpuModelResolver = (model: string) => string | undefined;

/** models the check vl.c makes before parse_cpu_option: "-cpu help" / "-cpu ?" lists models. */
export function isCpuHelp(cpuOption: string): boolean {
  return isHelpOption(cpuOption);
}

/**
 * models parse_cpu_option + cpu_common_parse_features: model up to the first ',', then
 * strtok(",") tokens (empty ones skipped, no ",," escaping), each split at its first '='.
 * Legacy "+feat"/"-feat" is refused by QEMU 7.2 for s390x (verified). When `resolve` is
 * given, an unknown model fails first, as in QEMU.
 */
export function parseCpuOption(cpuOption: string, resolve?: CpuModelResolver): CpuOption {
  if (cpuOption === '') throw new QemuOptsError('cpu-option-empty', '-cpu option cannot be empty');
  const comma = cpuOption.indexOf(',');
  const model = comma < 0 ? cpuOption : cpuOption.slice(0, comma);
  if (resolve && resolve(model) === undefined) {
    throw new QemuOptsError('cpu-model-not-found', `unable to find CPU model '${model}'`);
  }
  const features: CpuFeatureSetting[] = [];
  if (comma >= 0) {
    for (const token of cpuOption.slice(comma + 1).split(',')) {
      if (token === '') continue;
      const eq = token.indexOf('=');
      if (eq < 0) throw new QemuOptsError('cpu-expected-key-value', `Expected key=value format, found ${token}.`);
      features.push({ name: token.slice(0, eq), value: token.slice(eq + 1) });
    }
  }
  return { model, features };
}

/** The effective feature settings: last value per feature, in first-seen order. */
export function cpuFeatureMap(option: CpuOption): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const f of option.features) map.set(f.name, f.value);
  return map;
}

/** models the error when a -cpu feature global fails to apply: "can't apply global T.p=v: <reason>". */
export function formatGlobalPropertyError(typeName: string, property: string, value: string, reason: string): string {
  return `can't apply global ${typeName}.${property}=${value}: ${reason}`;
}
