// A pseries Linux guest as far as PCI passthrough and EEH go (arch/powerpc/platforms/
// pseries/eeh_pseries.c, kernel/eeh_driver.c): at boot it finds the functions on each PHB
// and enables EEH on their PE through RTAS; `lspci -nn -D` reads config space through
// ibm,read-pci-config; recovery detects all-ones, reads the PE state, fetches the error
// log, resets the slot (hot, then deactivate), configures the PE and checks the device.

import { className, deviceName } from './pci-names.js';

/** What the guest sees of the machine under it: RTAS, its PHBs and MMIO loads. */
export interface PseriesMachine {
  /** The PHBs: domain number (the PHB index), BUID, and the devfns on the root bus. */
  phbs(): { index: number; buid: bigint; devfns: number[] }[];
  /** One RTAS call; undefined when /rtas has no token for the name. */
  rtas(name: string, args: readonly number[], nret: number): number[] | undefined;
  /** A 32-bit load from a BAR of a function. */
  mmio(index: number, devfn: number, bar: number, offset: number): number;
  /** The guest kernel predates Linux 5.10 (98ba956f6a389): it enables EEH per device config address. */
  readonly perDeviceEnable: boolean;
}

export interface PseriesGuestState {
  booted: boolean;
  /** Per function ("0000:00:01.0"): the PE address and whether set-eeh-option ENABLE succeeded. */
  eeh: Record<string, { pe: number; status: number }>;
}

/** The output cells Linux asks for (rtas_call's nret) per call. */
export const RTAS_NRET: Readonly<Record<string, number>> = {
  'ibm,read-pci-config': 2,
  'read-pci-config': 2,
  'ibm,write-pci-config': 1,
  'write-pci-config': 1,
  'ibm,set-eeh-option': 1,
  'ibm,get-config-addr-info2': 2,
  'ibm,read-slot-reset-state2': 4,
  'ibm,set-slot-reset': 1,
  'ibm,configure-pe': 1,
  'ibm,slot-error-detail': 1,
  'ibm,errinjct': 1,
};

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');
const cells = (buid: bigint): [number, number] => [Number(buid >> 32n), Number(buid & 0xffff_ffffn)];

interface Fn {
  name: string;
  index: number;
  buid: bigint;
  devfn: number;
}

export class PseriesGuest {
  state: PseriesGuestState;

  constructor(
    private readonly machine: PseriesMachine,
    saved?: PseriesGuestState,
  ) {
    this.state = saved ? structuredClone(saved) : { booted: false, eeh: {} };
  }

  private functions(): Fn[] {
    return this.machine
      .phbs()
      .flatMap((p) => p.devfns.map((devfn) => ({ name: `${hex(p.index, 4)}:00:${hex(devfn >> 3, 2)}.${devfn & 7}`, index: p.index, buid: p.buid, devfn })))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** One RTAS call as rtas_call makes it: the outputs zeroed first; -1 without a token. */
  rtas(name: string, args: readonly number[], nret = RTAS_NRET[name] ?? 1): number[] {
    return this.machine.rtas(name, args, nret) ?? [-1, ...new Array<number>(Math.max(nret - 1, 0)).fill(0)];
  }

  /** The guest boots: every function's PE gets EEH enabled (pseries_eeh_init_edev). */
  boot(): void {
    this.state.booted = true;
    this.state.eeh = {};
    for (const f of this.functions()) {
      const addr = f.devfn << 8;
      const info = this.rtas('ibm,get-config-addr-info2', [addr, ...cells(f.buid), 0]);
      const pe = info[0] === 0 ? info[1]! : addr;
      const [status] = this.rtas('ibm,set-eeh-option', [this.machine.perDeviceEnable ? addr : pe, ...cells(f.buid), 1]);
      this.state.eeh[f.name] = { pe, status: status! };
    }
  }

  private cfg(f: Fn, reg: number, size: number): number {
    const r = this.rtas('ibm,read-pci-config', [(f.devfn << 8) | reg, ...cells(f.buid), size]);
    return r[0] === 0 ? r[1]! >>> 0 : 0xffff_ffff;
  }

  /** `lspci -nn -D`. */
  lspci(): string {
    return this.functions()
      .map((f) => {
        const id = this.cfg(f, 0, 4);
        const cr = this.cfg(f, 8, 4);
        const rev = cr & 0xff;
        return `${f.name} ${className(cr >>> 16)}: ${deviceName(id & 0xffff, id >>> 16)}${rev ? ` (rev ${hex(rev, 2)})` : ''}\n`;
      })
      .join('');
  }

  /** eeh_handle_normal_event for one function: every step and the state it read; true when recovered. */
  recover(device: string): { lines: string[]; ok: boolean } {
    const f = this.functions().find((x) => x.name === device);
    if (!f) return { lines: [`eeh: no PCI device ${device} in the guest`], ok: false };
    const eeh = this.state.eeh[device];
    if (!eeh || eeh.status !== 0) return { lines: [`eeh: EEH is not available for ${device} (ibm,set-eeh-option returned ${eeh?.status ?? -1})`], ok: false };
    const lines: string[] = [];
    const args = (...rest: number[]) => [eeh.pe, ...cells(f.buid), ...rest];
    const state = (): string => {
      const r = this.rtas('ibm,read-slot-reset-state2', args());
      return r[0] === 0 ? `state=${r[1]}` : `state=? (status ${r[0]})`;
    };
    const bar0 = this.machine.mmio(f.index, f.devfn, 0, 0);
    lines.push(`detect: BAR0 read 0x${hex(bar0, 8)}${bar0 === 0xffff_ffff ? ' (all-ones)' : ''}`);
    const first = this.rtas('ibm,read-slot-reset-state2', args());
    lines.push(`state: ibm,read-slot-reset-state2 status=${first[0]} state=${first[1]}`);
    if (bar0 !== 0xffff_ffff && first[1] === 0) {
      lines.push('eeh: no error: the PE is not frozen');
      return { lines, ok: true };
    }
    lines.push(`log: ibm,slot-error-detail status=${this.rtas('ibm,slot-error-detail', [...args(), 0, 0, 0, 0, 1])[0]}`);
    // eeh_pe_reset_full: assert hot reset, then deactivate it
    lines.push(`reset: ibm,set-slot-reset hot status=${this.rtas('ibm,set-slot-reset', args(1))[0]} ${state()}`);
    lines.push(`reset: ibm,set-slot-reset deactivate status=${this.rtas('ibm,set-slot-reset', args(0))[0]} ${state()}`);
    lines.push(`configure: ibm,configure-pe status=${this.rtas('ibm,configure-pe', args())[0]} ${state()}`);
    const after = this.machine.mmio(f.index, f.devfn, 0, 0);
    const final = this.rtas('ibm,read-slot-reset-state2', args());
    const ok = after !== 0xffff_ffff && final[0] === 0 && final[1] === 0;
    lines.push(`verify: BAR0 read 0x${hex(after, 8)} state=${final[1]}: ${ok ? 'recovered' : 'not recovered'}`);
    return { lines, ok };
  }
}
