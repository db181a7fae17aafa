// The RTAS calls of a pseries machine that reach a PHB (hw/ppc/spapr_pci.c and
// spapr_pci_vfio.c, QEMU 7.2; return codes as LoPAPR and spapr.h define them): config
// space access and the EEH calls. Every EEH call checks spapr_phb_eeh_available first, so
// a PHB whose address space holds two groups (or two containers) answers -3. QEMU 7.2 has
// no ibm,errinjct.

import {
  VFIO_EEH_PE_CONFIGURE,
  VFIO_EEH_PE_DISABLE,
  VFIO_EEH_PE_ENABLE,
  VFIO_EEH_PE_GET_STATE,
  VFIO_EEH_PE_RESET_DEACTIVATE,
  VFIO_EEH_PE_RESET_FUNDAMENTAL,
  VFIO_EEH_PE_RESET_HOT,
  VFIO_EEH_PE_UNFREEZE_DMA,
  VFIO_EEH_PE_UNFREEZE_IO,
} from '../../core/vfio-spapr-uapi.js';
import { vfioEehAsOp } from '../vfio/vfio-eeh.js';
import type { VfioPciDevice } from '../vfio/vfio-pci.js';
import type { VmContext } from '../vm-context.js';
import type { SpaprPhb } from './spapr-phb.js';

export const RTAS_OUT_SUCCESS = 0;
export const RTAS_OUT_NO_ERRORS_FOUND = 1;
export const RTAS_OUT_HW_ERROR = -1;
export const RTAS_OUT_PARAM_ERROR = -3;
const RTAS_EEH_SUPPORT = 1;
const RTAS_EEH_PE_UNAVAIL_INFO = 1000;
const RTAS_EEH_PE_RECOVER_INFO = 0;
const RTAS_PE_MODE_SHARED = 2;

/** What the calls need of the machine: its PHBs and the QEMU process. */
export interface RtasMachine {
  readonly vm: VmContext;
  phbs(): SpaprPhb[];
}

type Handler = (m: RtasMachine, args: readonly number[], nret: number, rets: number[]) => void;

const u32 = (n: number): number => n >>> 0;
/** models rtas_ldq: a 64-bit argument in two cells, high first. */
const ldq = (args: readonly number[], i: number): bigint => (BigInt(u32(args[i] ?? 0)) << 32n) | BigInt(u32(args[i + 1] ?? 0));

function findPhb(m: RtasMachine, buid: bigint): SpaprPhb | undefined {
  return m.phbs().find((p) => p.buid === buid);
}

/** models spapr_pci_find_dev: bus number and devfn from the config address (the root bus is bus 0). */
function findDev(phb: SpaprPhb | undefined, addr: number): VfioPciDevice | undefined {
  if (!phb || ((addr >>> 16) & 0xff) !== 0) return undefined;
  return phb.function((addr >>> 8) & 0xff);
}

/** models rtas_pci_cfgaddr: the extended register number lives in bits 27:24. */
const cfgAddr = (arg: number): number => ((arg >>> 20) & 0xf00) | (arg & 0xff);

function readConfig(m: RtasMachine, buid: bigint, addr: number, size: number, rets: number[]): void {
  if (size !== 1 && size !== 2 && size !== 4) return void (rets[0] = RTAS_OUT_HW_ERROR);
  const dev = findDev(findPhb(m, buid), addr);
  const reg = cfgAddr(addr);
  // a conventional PCI root bus: 256 bytes of config space
  if (!dev || reg % size || reg >= 256) return void (rets[0] = RTAS_OUT_HW_ERROR);
  rets[0] = RTAS_OUT_SUCCESS;
  rets[1] = dev.configRead(m.vm, reg, size);
}

function writeConfig(m: RtasMachine, buid: bigint, addr: number, size: number, val: number, rets: number[]): void {
  if (size !== 1 && size !== 2 && size !== 4) return void (rets[0] = RTAS_OUT_HW_ERROR);
  const dev = findDev(findPhb(m, buid), addr);
  const reg = cfgAddr(addr);
  if (!dev || reg % size || reg >= 256) return void (rets[0] = RTAS_OUT_HW_ERROR);
  dev.configWrite(m.vm, reg, size, val);
  rets[0] = RTAS_OUT_SUCCESS;
}

/** The PHB of an EEH call, or undefined (PARAM_ERROR) when there is none or EEH is not available on it. */
function eehPhb(m: RtasMachine, args: readonly number[]): SpaprPhb | undefined {
  const phb = findPhb(m, ldq(args, 1));
  return phb && phb.eehAvailable() ? phb : undefined;
}

/** models spapr_phb_vfio_eeh_set_option. */
function setOption(m: RtasMachine, phb: SpaprPhb, addr: number, option: number): number {
  let op: number;
  switch (option) {
    case 0:
      op = VFIO_EEH_PE_DISABLE;
      break;
    case 1:
      if (m.vm.profile === 'legacy') {
        // 3.1: EEH is enabled per device, so the address must be a vfio-pci function's
        if (!findDev(phb, addr)) return RTAS_OUT_PARAM_ERROR;
      } else if (((addr >>> 16) & 0xff) !== 0 || !phb.hasFunctions()) {
        // since 6.1: any address on a bus that holds a vfio-pci device
        return RTAS_OUT_PARAM_ERROR;
      }
      op = VFIO_EEH_PE_ENABLE;
      break;
    case 2:
      op = VFIO_EEH_PE_UNFREEZE_IO;
      break;
    case 3:
      op = VFIO_EEH_PE_UNFREEZE_DMA;
      break;
    default:
      return RTAS_OUT_PARAM_ERROR;
  }
  return vfioEehAsOp(m.vm, phb.as, op) < 0 ? RTAS_OUT_HW_ERROR : RTAS_OUT_SUCCESS;
}

const HANDLERS: Readonly<Record<string, Handler>> = {
  'ibm,read-pci-config': (m, args, nret, rets) => {
    if (args.length !== 4 || nret !== 2) return void (rets[0] = RTAS_OUT_HW_ERROR);
    readConfig(m, ldq(args, 1), u32(args[0]!), u32(args[3]!), rets);
  },
  'read-pci-config': (m, args, nret, rets) => {
    if (args.length !== 2 || nret !== 2) return void (rets[0] = RTAS_OUT_HW_ERROR);
    readConfig(m, 0n, u32(args[0]!), u32(args[1]!), rets);
  },
  'ibm,write-pci-config': (m, args, nret, rets) => {
    if (args.length !== 5 || nret !== 1) return void (rets[0] = RTAS_OUT_HW_ERROR);
    writeConfig(m, ldq(args, 1), u32(args[0]!), u32(args[3]!), u32(args[4]!), rets);
  },
  'write-pci-config': (m, args, nret, rets) => {
    if (args.length !== 3 || nret !== 1) return void (rets[0] = RTAS_OUT_HW_ERROR);
    writeConfig(m, 0n, u32(args[0]!), u32(args[1]!), u32(args[2]!), rets);
  },
  'ibm,set-eeh-option': (m, args, nret, rets) => {
    const phb = args.length === 4 && nret === 1 ? eehPhb(m, args) : undefined;
    rets[0] = phb ? setOption(m, phb, u32(args[0]!), u32(args[3]!)) : RTAS_OUT_PARAM_ERROR;
  },
  'ibm,get-config-addr-info2': (m, args, nret, rets) => {
    const phb = args.length === 4 && nret === 2 ? eehPhb(m, args) : undefined;
    if (!phb) return void (rets[0] = RTAS_OUT_PARAM_ERROR);
    switch (u32(args[3]!)) {
      case 0:
        // "We always have PE address of form 00BB0001"
        if (!findDev(phb, u32(args[0]!))) return void (rets[0] = RTAS_OUT_PARAM_ERROR);
        rets[1] = (0 << 16) + 1;
        break;
      case 1:
        rets[1] = RTAS_PE_MODE_SHARED;
        break;
      default:
        return void (rets[0] = RTAS_OUT_PARAM_ERROR);
    }
    rets[0] = RTAS_OUT_SUCCESS;
  },
  'ibm,read-slot-reset-state2': (m, args, nret, rets) => {
    const phb = args.length === 3 && (nret === 4 || nret === 5) ? eehPhb(m, args) : undefined;
    if (!phb) return void (rets[0] = RTAS_OUT_PARAM_ERROR);
    const state = vfioEehAsOp(m.vm, phb.as, VFIO_EEH_PE_GET_STATE);
    if (state < 0) return void (rets[0] = RTAS_OUT_PARAM_ERROR);
    rets[0] = RTAS_OUT_SUCCESS;
    rets[1] = state;
    rets[2] = RTAS_EEH_SUPPORT;
    rets[3] = RTAS_EEH_PE_UNAVAIL_INFO;
    if (nret >= 5) rets[4] = RTAS_EEH_PE_RECOVER_INFO;
  },
  'ibm,set-slot-reset': (m, args, nret, rets) => {
    const phb = args.length === 4 && nret === 1 ? eehPhb(m, args) : undefined;
    if (!phb) return void (rets[0] = RTAS_OUT_PARAM_ERROR);
    // models spapr_phb_vfio_eeh_reset (hot and fundamental first clear MSI-X state: none is modelled)
    const op = { 0: VFIO_EEH_PE_RESET_DEACTIVATE, 1: VFIO_EEH_PE_RESET_HOT, 3: VFIO_EEH_PE_RESET_FUNDAMENTAL }[u32(args[3]!)];
    if (op === undefined) return void (rets[0] = RTAS_OUT_PARAM_ERROR);
    rets[0] = vfioEehAsOp(m.vm, phb.as, op) < 0 ? RTAS_OUT_HW_ERROR : RTAS_OUT_SUCCESS;
  },
  'ibm,configure-pe': (m, args, nret, rets) => {
    const phb = args.length === 3 && nret === 1 ? eehPhb(m, args) : undefined;
    if (!phb) return void (rets[0] = RTAS_OUT_PARAM_ERROR);
    rets[0] = vfioEehAsOp(m.vm, phb.as, VFIO_EEH_PE_CONFIGURE) < 0 ? RTAS_OUT_PARAM_ERROR : RTAS_OUT_SUCCESS;
  },
  'ibm,slot-error-detail': (m, args, nret, rets) => {
    const phb = args.length === 8 && nret === 1 ? eehPhb(m, args) : undefined;
    const option = u32(args[7] ?? 0);
    // "We don't have error log yet"
    rets[0] = phb && (option === 1 || option === 2) ? RTAS_OUT_NO_ERRORS_FOUND : RTAS_OUT_PARAM_ERROR;
  },
};

/** The calls the machine registers (spapr_rtas_register), by name as /rtas lists them. */
export const RTAS_CALLS: readonly string[] = Object.keys(HANDLERS);

/** models spapr_rtas_call: the handler fills rets (zeroed by the guest's rtas_call); undefined for an unknown name. */
export function rtasCall(m: RtasMachine, name: string, args: readonly number[], nret: number): number[] | undefined {
  const h = HANDLERS[name];
  if (!h) return undefined;
  const rets = new Array<number>(Math.max(nret, 1)).fill(0);
  m.vm.trace('spapr_rtas', `${name}(${args.map((a) => `0x${u32(a).toString(16)}`).join(', ')})`);
  h(m, args, nret, rets);
  m.vm.trace('spapr_rtas_ret', `${name} = ${rets.map((r) => (r | 0).toString()).join(' ')}`);
  return rets.slice(0, Math.max(nret, 1));
}
