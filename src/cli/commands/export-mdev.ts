// `vfioctl export qemu|libvirt-nodedev|libvirt-hostdev UUID`: how QEMU and libvirt are
// told about an mdev (ecosystem spec §3), from its definition or the running device.

import { libvirtHostdevXml, libvirtNodedevXml, mdevFacts, qemuDeviceArgs } from '../../manage/exports.js';
import { UsageError } from '../../manage/clap-validator.js';
import { parseMdevUuid } from '../../manage/mdev-uuid.js';
import type { Io } from '../io.js';
import { withBackend, type ManageOptions } from '../../api/manage-session.js';
import { reportFailure } from './mdev.js';

export type ExportFormat = 'qemu' | 'libvirt-nodedev' | 'libvirt-hostdev';

export interface ExportOptions extends ManageOptions {
  format: ExportFormat;
  uuid: string;
  /** qemu: libvirt's JSON -device form. */
  json?: boolean;
}

export async function exportMdev(opts: ExportOptions, io: Io): Promise<number> {
  try {
    const parsed = parseMdevUuid(opts.uuid);
    if (!parsed.ok) throw new UsageError(`Invalid value ${JSON.stringify(opts.uuid)} for '<UUID>': ${parsed.error}`, 'export');
    const uuid = parsed.uuid;
    const text = await withBackend(opts, 'read', (b) => {
      const facts = mdevFacts(b, uuid);
      switch (opts.format) {
        case 'qemu':
          return `${qemuDeviceArgs(uuid, !!opts.json)}\n`;
        case 'libvirt-nodedev':
          return libvirtNodedevXml(facts);
        case 'libvirt-hostdev':
          return libvirtHostdevXml(facts);
      }
    });
    io.stdout.write(text);
    return 0;
  } catch (e) {
    return reportFailure(e, io);
  }
}
