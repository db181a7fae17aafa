// Module parameters (kernel/params.c): what built-in drivers declare (module_param), set
// from the kernel command line as `module.param=value` at boot (parse_args "Booting
// kernel"), and shown under /sys/module/<module>/parameters/<param>.

import { KernelError } from '../core/errno.js';
import { kstrtobool, kstrtoul } from '../core/kstrtoul.js';
import type { Profile } from './host-spec.js';
import type { KernelContext } from './kernel-context.js';
import { Attr } from './vfs/node.js';
import { ueventAttr } from './vfs/uevent.js';

export type ParamType = 'bool' | 'uint';

/** One module_param: its value as the parameter's ops keep it. */
export class ModuleParam {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly type: ParamType,
    public value: boolean | number,
  ) {}

  get bool(): boolean {
    return this.value === true;
  }

  /** models param_get_bool ("Y"/"N") and param_get_uint. */
  show(): string {
    return this.type === 'bool' ? `${this.value ? 'Y' : 'N'}\n` : `${this.value as number}\n`;
  }

  /** models param_set_bool (kstrtobool, or 4.19's strtobool; no value means "1") and param_set_uint (kstrtouint). */
  set(val: string | undefined, profile: Profile): void {
    if (this.type === 'bool') {
      const text = val ?? '1';
      if (profile === 'modern') this.value = kstrtobool(text);
      else {
        const b = strtobool(text);
        if (b === undefined) throw new KernelError('EINVAL');
        this.value = b;
      }
      return;
    }
    if (val === undefined) throw new KernelError('EINVAL');
    const n = kstrtoul(val);
    if (n > 0xffff_ffffn) throw new KernelError('ERANGE');
    this.value = Number(n);
  }
}

/** models 4.19's strtobool: y/Y/1, n/N/0, on/off (either case), judged by the first characters. */
export function strtobool(s: string): boolean | undefined {
  switch (s[0]) {
    case 'y':
    case 'Y':
    case '1':
      return true;
    case 'n':
    case 'N':
    case '0':
      return false;
    case 'o':
    case 'O':
      if (s[1] === 'n' || s[1] === 'N') return true;
      if (s[1] === 'f' || s[1] === 'F') return false;
      return undefined;
    default:
      return undefined;
  }
}

/** models next_arg: words split at spaces, double quotes keep spaces (and are dropped). */
export function cmdlineWords(cmdline: string): { param: string; val: string | undefined }[] {
  const out: { param: string; val: string | undefined }[] = [];
  let i = 0;
  while (i < cmdline.length) {
    while (cmdline[i] === ' ' || cmdline[i] === '\t') i++;
    if (i >= cmdline.length) break;
    let word = '';
    let quoted = false;
    for (; i < cmdline.length && (quoted || !/[ \t]/.test(cmdline[i]!)); i++) {
      if (cmdline[i] === '"') quoted = !quoted;
      else word += cmdline[i];
    }
    const eq = word.indexOf('=');
    out.push(eq < 0 ? { param: word, val: undefined } : { param: word.slice(0, eq), val: word.slice(eq + 1) });
  }
  return out;
}

/** models parameq: '-' and '_' are the same in parameter names. */
const canonical = (name: string): string => name.replaceAll('-', '_');

export class ModuleParams {
  private readonly params = new Map<string, ModuleParam>();

  constructor(private readonly ctx: KernelContext) {}

  /** models module_param for a built-in module: the parameter and its /sys/module file. */
  declare(module: string, name: string, type: ParamType, initial: boolean | number, mode: 0o444 | 0o644 = 0o444): ModuleParam {
    const p = new ModuleParam(module, name, type, initial);
    this.params.set(canonical(`${module}.${name}`), p);
    const dir = `/sys/module/${module}`;
    const { vfs } = this.ctx;
    const moduleDir = vfs.mkdirp(dir);
    if (!moduleDir.has('uevent')) moduleDir.add('uevent', ueventAttr());
    const store = (buf: string): void => p.set(buf.endsWith('\n') ? buf.slice(0, -1) : buf, this.ctx.profile);
    vfs.attach(`${dir}/parameters/${name}`, mode === 0o644 ? Attr.rw(() => p.show(), store) : Attr.ro(() => p.show()));
    return p;
  }

  get(module: string, name: string): ModuleParam | undefined {
    return this.params.get(canonical(`${module}.${name}`));
  }

  /**
   * models parse_args("Booting kernel", command line, built-in params): each known
   * `module.param[=value]` is set; a bad value logs the kernel's error and boot goes on;
   * unknown words are left to init (not logged here). Parsing stops at `--`.
   */
  applyCmdline(cmdline: string): void {
    for (const { param, val } of cmdlineWords(cmdline)) {
      if (param === '--' && val === undefined) break;
      const p = this.params.get(canonical(param));
      if (!p) continue;
      try {
        p.set(val, this.ctx.profile);
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        this.ctx.log.printk(`Booting kernel: \`${val ?? ''}' invalid for parameter \`${param}'`);
      }
    }
  }

  /** Values that differ from what boot gave them (only 0644 parameters can change later). */
  snapshot(): Record<string, boolean | number> {
    return Object.fromEntries([...this.params].map(([k, p]) => [k, p.value]));
  }

  restore(saved: Record<string, boolean | number> | undefined): void {
    for (const [k, v] of Object.entries(saved ?? {})) {
      const p = this.params.get(k);
      if (p) p.value = v;
    }
  }
}
