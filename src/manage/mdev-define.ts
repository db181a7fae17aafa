// `mdevctl define` and `undefine`: writing and removing a definition, in 1.2.0's order of
// checks and with its messages (define_command_helper), after ap-check's define checks.

import { checkDefine, enforce } from './ap-check.js';
import { validating, type MdevContext } from './mdev-context.js';
import { configFromJson, MdevctlError, type MdevConfig } from './mdev-config.js';
import { readJsonFile } from './mdev-jsonfile.js';
import { configPath, definedDevices, writeConfig } from './mdev-store.js';
import { activeDevice } from './mdev-sysfs.js';
import { newUuid } from './mdev-uuid.js';
import { osError } from './os-error.js';

export interface DefineOptions {
  uuid?: string;
  auto: boolean;
  parent?: string;
  type?: string;
  jsonfile?: string;
}

/** The parent and config a define names: from the jsonfile, or from the options and the running device. */
function definition(ctx: MdevContext, o: DefineOptions, uuid: string): { parent: string; cfg: MdevConfig } {
  if (o.jsonfile !== undefined) {
    if (o.parent === undefined) throw new MdevctlError(`Parent device required to define device via ${JSON.stringify(o.jsonfile)}`);
    if (definedDevices(ctx, uuid, o.parent).length > 0) throw new MdevctlError(`Cowardly refusing to overwrite existing config for ${o.parent}/${uuid}`);
    return { parent: o.parent, cfg: configFromJson(readJsonFile(ctx, o.jsonfile, '1.2')) };
  }
  // a running device given by UUID supplies its parent and type, but only both together
  const live = o.uuid !== undefined ? activeDevice(ctx.b, uuid) : undefined;
  if (o.uuid !== undefined && o.parent === undefined && (!live || o.type !== undefined)) throw new MdevctlError('No parent specified');
  const parent = o.parent ?? live?.parent;
  if (parent === undefined) throw new MdevctlError('No parent specified');
  const type = o.type ?? live?.mdevType;
  if (type === undefined) throw new MdevctlError('No type specified');
  if (ctx.b.files.kind(configPath(parent, uuid)) !== undefined) throw new MdevctlError(`Device ${uuid} on ${parent} already defined`);
  return { parent, cfg: { mdevType: type, start: o.auto ? 'auto' : 'manual', attrs: [] } };
}

/** `mdevctl define`: writes the config (after ap-check's define checks); prints a generated UUID. */
export function mdevDefine(ctx: MdevContext, o: DefineOptions): void {
  const uuid = o.uuid ?? newUuid();
  ctx.b.files.withLock(() => {
    const { parent, cfg } = definition(ctx, o, uuid);
    if (validating(ctx)) enforce(checkDefine(ctx.b, uuid, cfg));
    writeConfig(ctx, parent, uuid, cfg);
  });
  if (o.uuid === undefined) ctx.out.out(`${uuid}\n`);
}

/** `mdevctl undefine -u UUID [-p PARENT]`: removes the config under every (or one) parent. */
export function mdevUndefine(ctx: MdevContext, o: { uuid: string; parent?: string }): void {
  ctx.b.files.withLock(() => {
    const parents = definedDevices(ctx, o.uuid, o.parent).map((d) => d.parent);
    if (parents.length === 0) throw new MdevctlError('No devices match the specified uuid');
    for (const p of parents) {
      try {
        ctx.b.files.remove(configPath(p, o.uuid));
      } catch (e) {
        throw new MdevctlError(`Failed to remove file ${JSON.stringify(configPath(p, o.uuid))}`, osError(e));
      }
    }
  });
}
