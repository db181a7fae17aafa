// The s390x CPU model, reduced to the features vfio-ap depends on (target/s390x/
// cpu_features_def.h.inc, cpu_models.c): which of them a model has, the dependency
// warnings of check_consistency and the "not available" error of check_compatibility.

import { QemuError } from '../qemu-error.js';
import { CPU_HELP_FEATURES } from './cpu-help-features.js';
import { CPU_HELP_MODELS } from './cpu-help-models.js';

export type ApFeature = 'apqci' | 'apft' | 'apqi' | 'ap';

export interface FeatureDef {
  name: ApFeature;
  /** STFL(E) facility number, or undefined for MISC features. */
  stfl?: number;
  desc: string;
}

/** In S390Feat enum order (STFL features by bit, then MISC): the order QEMU reports them in. */
export const AP_FEATURES: readonly FeatureDef[] = [
  { name: 'apqci', stfl: 12, desc: 'Query AP Configuration Information facility' },
  { name: 'apft', stfl: 15, desc: 'AP Facilities Test facility' },
  { name: 'apqi', stfl: 65, desc: 'AP-Queue interruption facility' },
  { name: 'ap', desc: 'AP instructions installed' },
];

const FEATURE_NAMES = new Set<string>(AP_FEATURES.map((f) => f.name));

export function isApFeature(name: string): name is ApFeature {
  return FEATURE_NAMES.has(name);
}

/** models the dependency table of check_consistency (the AP rows). */
const DEPENDENCIES: readonly [ApFeature, ApFeature][] = [
  ['apqci', 'ap'],
  ['apft', 'ap'],
  ['apqi', 'ap'],
];

export interface CpuDefinition {
  name: string;
  desc: string;
  /** The "host" model exists only with KVM (S390CPUClass.kvm_required). */
  kvmRequired: boolean;
  /** Copies the accelerator's max model (host, max) rather than a fixed default set. */
  isMax: boolean;
  /** `-cpu help` details: "(static, migration-safe)", "(migration-safe)" or "". */
  details: string;
}

// `-cpu help` of the TCG build the tables were captured from
const HELP_LINES = `${CPU_HELP_MODELS}${CPU_HELP_FEATURES}`.split('\n');
const MODEL_LINE = /^s390 (\S+)\s+(.*?)(?:\s+(\((?:static, )?migration-safe\)))?$/;

/** The CPU models in s390_cpu_list order; a KVM build (the twin) also has `host`, listed after `qemu`. */
export const CPU_DEFINITIONS: readonly CpuDefinition[] = (() => {
  const defs: CpuDefinition[] = [];
  for (const line of HELP_LINES) {
    if (line === '') break;
    const m = MODEL_LINE.exec(line);
    if (!m) continue;
    const name = m[1]!;
    defs.push({ name, desc: m[2]!, kvmRequired: false, isMax: name === 'max', details: m[3] ?? '' });
    if (name === 'qemu') defs.push({ name: 'host', desc: 'KVM only: All recognized features', kvmRequired: true, isMax: true, details: '' });
  }
  return defs;
})();

/** "Recognized feature flags" and "Recognized feature groups" of `-cpu help`: every name -cpu accepts. */
export const CPU_FEATURE_NAMES: ReadonlySet<string> = (() => {
  const names = new Set<string>();
  let inList = false;
  for (const line of HELP_LINES) {
    if (line === 'Recognized feature flags:' || line === 'Recognized feature groups:') {
      inList = true;
      continue;
    }
    if (line === '') {
      inList = false;
      continue;
    }
    if (inList) names.add(line.split(' ')[0]!);
  }
  return names;
})();

export function findCpuDefinition(name: string): CpuDefinition | undefined {
  return CPU_DEFINITIONS.find((d) => d.name === name);
}

/** models s390_cpu_list: the models (host included, as in a KVM build), then features and groups. */
export function formatCpuHelp(): string {
  const lines = CPU_DEFINITIONS.map((d) =>
    d.details ? `s390 ${d.name.padEnd(15)} ${d.desc.padEnd(35)} ${d.details}` : `s390 ${d.name.padEnd(15)} ${d.desc}`,
  );
  const tail = HELP_LINES.slice(HELP_LINES.indexOf('')).join('\n');
  return `${lines.join("\n")}\n${tail}`;
}

export class S390CpuModel {
  constructor(
    readonly def: CpuDefinition,
    readonly features: Set<ApFeature>,
  ) {}

  has(f: ApFeature): boolean {
    return this.features.has(f);
  }
}

/** The max model of the accelerator: KVM asks the kernel, TCG emulates no AP instructions. */
export interface MaxModel {
  features: ReadonlySet<ApFeature>;
}

export interface CpuModelResult {
  model: S390CpuModel;
  /** warn_report texts of check_consistency, in table order. */
  warnings: string[];
  /** check_compatibility's error (printed after the warnings; QEMU then exits). */
  error?: QemuError;
}

/**
 * models s390_cpu_model_initfn + set_feature + s390_realize_cpu_model: start from the
 * model's feature set, apply the -cpu feature switches in order, warn about dependencies,
 * then refuse features the configuration lacks.
 */
export function realizeCpuModel(def: CpuDefinition, switches: readonly [ApFeature, boolean][], max: MaxModel, kvm: boolean): CpuModelResult {
  if (def.kvmRequired && !kvm) return { model: new S390CpuModel(def, new Set()), warnings: [], error: new QemuError('CPU definition requires KVM') };
  const features = new Set<ApFeature>(def.isMax ? max.features : []);
  for (const [name, on] of switches) {
    if (on) features.add(name);
    else features.delete(name);
  }
  const model = new S390CpuModel(def, features);
  // models check_consistency
  const warnings = DEPENDENCIES.filter(([f, dep]) => features.has(f) && !features.has(dep)).map(([f, dep]) => `'${f}' requires '${dep}'.`);
  // models check_compatibility: error_setg(" ") then error_prepend("%s ") per missing feature in
  // enum order, so the list comes out reversed and ends in two spaces.
  const missing = AP_FEATURES.filter((f) => features.has(f.name) && !max.features.has(f.name)).map((f) => f.name);
  if (missing.length > 0) {
    let msg = ' ';
    for (const name of missing) msg = `${name} ${msg}`;
    return { model, warnings, error: new QemuError(`Some features requested in the CPU model are not available in the configuration: ${msg}`) };
  }
  return { model, warnings };
}
