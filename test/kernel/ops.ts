// Random operation sequences over a twin's sysfs (plus host configuration changes and a
// stand-in guest), the invariants of spec vfio-ap §1.5, and a reader of the whole /sys tree.
import fc from 'fast-check';
import { expect } from 'vitest';
import { ApMask } from '../../src/core/ap-mask.js';
import { apqnKey, apqnName } from '../../src/core/apqn.js';
import type { ErrnoName } from '../../src/core/errno.js';
import { qciEquals } from '../../src/kernel/ap/qci.js';
import { HostConfigError, type ConfigResource } from '../../src/kernel/ap/ap-subsystem.js';
import type { Host } from '../../src/kernel/host.js';
import { AP, FakeKvm, MATRIX, type Shell, state, TYPE } from './sh.js';
import { apOf } from '../../src/kernel/ap/ap-subsystem.js';

export const UUIDS = [
  '62177883-f1bb-47f0-914d-32a22e3a8804',
  '0e3c5a4f-8c1d-4b7e-9a2f-5d6e7f809102',
  'b7c2e1d0-3f4a-4e5b-8c6d-7e8f9a0b1c2d',
];

const ADAPTERS = [5, 6, 7, 9, 0x10];
const DOMAINS = [4, 0x47, 0xab, 0xff, 9, 15, 0x10];
const ID_FILES = ['assign_adapter', 'unassign_adapter', 'assign_domain', 'unassign_domain', 'assign_control_domain', 'unassign_control_domain'] as const;
type IdFile = (typeof ID_FILES)[number];

export type Op =
  | { kind: 'create'; u: number; upper: boolean }
  | { kind: 'remove'; u: number; value: string }
  | { kind: 'id'; u: number; file: IdFile; value: string }
  | { kind: 'mask'; file: 'apmask' | 'aqmask'; value: string }
  | { kind: 'apConfig'; u: number; value: string }
  | { kind: 'bind'; drv: 'vfio_ap' | 'cex4queue' | 'cex4card'; unbind: boolean; apqn: string }
  | { kind: 'config'; op: 'add' | 'remove'; what: ConfigResource; id: number; type: string }
  | { kind: 'cardConfig'; apid: number; value: string }
  | { kind: 'scan' }
  | { kind: 'kvm'; u: number; attach: boolean };

const render = (n: number) => fc.constantFrom(`${n}`, `0x${n.toString(16)}`, n === 0 ? '0' : `0${n.toString(8)}`);
const garbage = fc.constantFrom('', 'x', '-1', '5 ', '0x', '18446744073709551616', '99999999999999999999', '1\n2', '+', '\0');
const idValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ADAPTERS, ...DOMAINS).chain(render) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 300 }).map(String) },
  { weight: 1, arbitrary: garbage },
);

const ids = (pool: number[]) => fc.subarray(pool);
const maskHex = (list: number[]) => ApMask.fromIds(list).toHex();

const relativeTerm = fc.tuple(fc.constantFrom('+', '-'), fc.constantFrom(...ADAPTERS, ...DOMAINS, 0, 255), fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined })).map(
  ([sign, a, len]) => (len === undefined ? `${sign}${a}` : `${sign}${a}-${Math.min(255, a + len)}`),
);
const maskValue = fc.oneof(
  { weight: 6, arbitrary: fc.array(relativeTerm, { minLength: 1, maxLength: 4 }).map((t) => t.join(',')) },
  { weight: 2, arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 12 }).map(maskHex) },
  { weight: 1, arbitrary: fc.constantFrom(`0x${'f'.repeat(64)}`, '0x', '5', `0x${'0'.repeat(65)}`, '+256', 'zz', '+5 ,-6') },
);

const apConfigValue = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(ids(ADAPTERS), ids(DOMAINS), ids(DOMAINS), fc.constantFrom('\n', '', ',junk'))
      .map(([a, d, c, end]) => `${maskHex(a)},${maskHex(d)},${maskHex(c)}${end}`),
  },
  { weight: 1, arbitrary: fc.tuple(ids(ADAPTERS), ids(DOMAINS)).map(([a, d]) => `${maskHex(a)},${maskHex(d)}`) },
  { weight: 1, arbitrary: fc.constantFrom('0x,0x', '0x,0x,0x', 'garbage', `0x${'0'.repeat(65)},0x,0x`, `${maskHex([64])},0x,0x`, `0x,${maskHex([16])},0x`) },
);

const apqn = fc.tuple(fc.constantFrom(5, 6, 7, 9, 0x10), fc.constantFrom(4, 0x47, 9, 15)).map(([a, d]) => apqnName(a, d));
const card = fc.constantFrom('card05', 'card06', 'card07');
// mostly the first two mdevs, so that they meet over the same queues
const u = fc.constantFrom(0, 0, 1, 1, 2);

export function opArb(opts: { kvm: boolean }): fc.Arbitrary<Op> {
  const arbs: fc.WeightedArbitrary<Op>[] = [
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('create' as const), u, upper: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), u, value: fc.constantFrom('1', '0', 'x', '0x1') }) },
    { weight: 12, arbitrary: fc.record({ kind: fc.constant('id' as const), u, file: fc.constantFrom(...ID_FILES), value: idValue }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('mask' as const), file: fc.constantFrom('apmask' as const, 'aqmask' as const), value: maskValue }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('apConfig' as const), u, value: apConfigValue }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('bind' as const), drv: fc.constantFrom('vfio_ap' as const, 'cex4queue' as const), unbind: fc.boolean(), apqn }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('bind' as const), drv: fc.constant('cex4card' as const), unbind: fc.boolean(), apqn: card }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('config' as const),
        op: fc.constantFrom('add' as const, 'remove' as const),
        what: fc.constantFrom('adapter' as const, 'domain' as const, 'control-domain' as const),
        id: fc.constantFrom(5, 6, 7, 9, 4, 0x47, 15),
        type: fc.constantFrom('CEX7C', 'CEX8P', 'CEX4A'),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cardConfig' as const), apid: fc.constantFrom(5, 6, 7), value: fc.constantFrom('0', '1', '2') }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'scan' as const }) },
  ];
  if (opts.kvm) arbs.push({ weight: 2, arbitrary: fc.record({ kind: fc.constant('kvm' as const), u, attach: fc.boolean() }) });
  return fc.oneof(...arbs);
}

/** A random scenario: free some queues, create some mdevs, then run the ops. */
export interface Scenario {
  free: boolean;
  mdevs: number;
  ops: Op[];
}

export function scenarioArb(opts: { kvm: boolean; maxOps: number }): fc.Arbitrary<Scenario> {
  return fc.record({
    free: fc.constantFrom(true, true, true, false),
    mdevs: fc.integer({ min: 0, max: UUIDS.length }),
    ops: fc.array(opArb(opts), { minLength: 1, maxLength: opts.maxOps, size: 'max' }),
  });
}

/** Frees the queues of the pool's adapters and domains, then creates the first n mdevs. */
export function prepare(sh: Shell, s: Pick<Scenario, 'free' | 'mdevs'>): Shell {
  if (s.free) {
    sh.echo('-5,-6,-7,-9', `${AP}/apmask`);
    sh.echo('-4,-0x47,-9', `${AP}/aqmask`);
  }
  for (let i = 0; i < s.mdevs; i++) sh.mdev(UUIDS[i]!);
  return sh;
}

export type OpResult = number | ErrnoName | 'skipped';

/** What each write may fail with (spec vfio-ap §3.8), plus ENOENT for a file that is not there. */
export function allowedErrnos(op: Op): ErrnoName[] {
  switch (op.kind) {
    case 'create':
      return ['EINVAL', 'EEXIST', 'EUSERS'];
    case 'remove':
      return ['EINVAL', 'ENOENT', 'EBUSY'];
    case 'id':
      if (op.file === 'assign_adapter' || op.file === 'assign_domain')
        return ['EINVAL', 'ERANGE', 'ENODEV', 'EADDRNOTAVAIL', 'EADDRINUSE', 'EBUSY', 'ENOENT'];
      // control domains are not exclusive: no EADDRINUSE/EADDRNOTAVAIL here
      return ['EINVAL', 'ERANGE', 'ENODEV', 'EBUSY', 'ENOENT'];
    case 'mask':
      return ['EINVAL', 'EBUSY'];
    case 'apConfig':
      return ['EINVAL', 'ENODEV', 'EADDRNOTAVAIL', 'EADDRINUSE', 'ENOENT'];
    case 'bind':
      return ['ENODEV', 'EBUSY'];
    case 'cardConfig':
      return ['EINVAL', 'ENOENT'];
    default:
      return [];
  }
}

export class Runner {
  readonly kvms = new Map<string, FakeKvm>();

  constructor(readonly sh: Shell) {}

  get host(): Host {
    return this.sh.host;
  }

  /** Runs one op; sysfs writes answer with the byte count or errno. */
  run(op: Op): OpResult {
    const { sh } = this;
    const dir = (i: number) => `${MATRIX}/${UUIDS[i]}`;
    switch (op.kind) {
      case 'create':
        return sh.echo(op.upper ? UUIDS[op.u]!.toUpperCase() : UUIDS[op.u]!, `${TYPE}/create`);
      case 'remove':
        return sh.echo(op.value, `${dir(op.u)}/remove`);
      case 'id':
        return sh.echo(op.value, `${dir(op.u)}/${op.file}`);
      case 'mask':
        return sh.echo(op.value, `${AP}/${op.file}`);
      case 'apConfig':
        return sh.write(`${dir(op.u)}/ap_config`, op.value);
      case 'bind':
        return sh.echo(op.apqn, `${AP}/drivers/${op.drv}/${op.unbind ? 'unbind' : 'bind'}`);
      case 'cardConfig':
        return sh.echo(op.value, `/sys/devices/ap/card${apqnName(op.apid, 0).slice(0, 2)}/config`);
      case 'scan':
        return sh.echo('1', `${AP}/scans`);
      case 'config':
        try {
          apOf(this.host).configChange(op.op, op.what, op.id, op.type);
          return 0;
        } catch (e) {
          if (e instanceof HostConfigError) return 'skipped';
          throw e;
        }
      case 'kvm': {
        const m = apOf(this.host).vfioAp.byUuid.get(UUIDS[op.u]!);
        if (!m) return 'skipped';
        if (op.attach && !m.kvm) {
          // what open_device does: take the KVM and program the CRYCB with the guest's masks
          const kvm = new FakeKvm(op.u + 1);
          this.kvms.set(m.uuid, kvm);
          m.kvm = kvm;
          const g = m.guestMasks();
          kvm.setMasks(g.apm, g.aqm, g.adm);
        } else if (!op.attach && m.kvm) {
          m.kvm.clearMasks();
          m.kvm = undefined;
          this.kvms.delete(m.uuid);
        }
        return 'skipped';
      }
    }
  }

  /** Runs an op and checks what every step must keep. */
  step(op: Op): OpResult {
    const isWrite = op.kind !== 'config' && op.kind !== 'kvm';
    const before = isWrite ? state(this.host) : undefined;
    const result = this.run(op);
    if (typeof result === 'string' && result !== 'skipped') {
      expect(allowedErrnos(op), `${JSON.stringify(op)} → ${result}`).toContain(result);
      // a failed write leaves the twin as it was
      expect(state(this.host), `state after failed ${JSON.stringify(op)} → ${result}`).toEqual(before);
    }
    checkInvariants(this.host, this.kvms);
    return result;
  }
}

/** Fails the test with msg unless cond holds (cheaper than expect() in hot loops). */
function check(cond: boolean, msg: () => string): void {
  if (!cond) throw new Error(`invariant broken: ${msg()}`);
}

/** The invariants of spec vfio-ap §1.5 and the bookkeeping that keeps them checkable. */
export function checkInvariants(host: Host, kvms: ReadonlyMap<string, FakeKvm> = new Map()): void {
  const ap = apOf(host).vfioAp;
  const bus = apOf(host).bus;
  const modern = host.profile === 'modern';
  const mdevs = [...ap.byUuid.values()];
  const qci = apOf(host).lpar.queryQci();

  // 1. no APQN in the matrix of two mdevs
  const owner = new Map<number, string>();
  for (const m of mdevs)
    for (const a of m.matrix.apm)
      for (const d of m.matrix.aqm) {
        const key = apqnKey(a, d);
        check(!owner.has(key), () => `${apqnName(a, d)} in ${m.uuid} and ${owner.get(key)}`);
        owner.set(key, m.uuid);
      }

  // 2. (modern) no assigned APQN is reserved for the host
  if (modern) for (const m of mdevs) check(!bus.anyReserved(m.matrix.apm, m.matrix.aqm), () => `${m.uuid} holds a host-reserved APQN`);

  // the driver's copy of the host configuration follows the bus
  if (modern) check(qciEquals(ap.info, qci), () => 'vfio_ap info differs from the QCI');

  for (const m of mdevs) {
    // the ENODEV checks keep every assignment within the QCI limits
    const x = m.matrix;
    check(x.apm.last() <= x.apmMax && x.aqm.last() <= x.aqmMax && x.adm.last() <= x.admMax, () => `${m.uuid} beyond its limits`);
    const s = m.shadow;
    if (!modern || !qci) {
      // 4.20 never filters: the guest gets the matrix; without QCI the shadow stays empty
      check(s.apm.isEmpty() && s.aqm.isEmpty() && s.adm.isEmpty(), () => `${m.uuid} has a shadow`);
    } else {
      // 4. shadow ⊆ matrix ∩ host configuration, and every shadow APQN a linked, passable queue
      check(s.apm.andNot(m.matrix.apm.and(qci.apm)).isEmpty(), () => `${m.uuid} shadow apm ${s.apm.ids()}`);
      check(s.aqm.andNot(m.matrix.aqm.and(qci.aqm)).isEmpty(), () => `${m.uuid} shadow aqm ${s.aqm.ids()}`);
      check(s.adm.andNot(m.matrix.adm.and(qci.adm)).isEmpty(), () => `${m.uuid} shadow adm ${s.adm.ids()}`);
      for (const a of s.apm)
        for (const d of s.aqm) {
          const q = ap.queue(a, d);
          check(q?.mdev === m && q.passable && bus.queue(a, d)?.driver === ap, () => `${apqnName(a, d)} in the shadow of ${m.uuid}`);
        }
    }
    // a guest's CRYCB always holds what the driver last decided it should
    const kvm = kvms.get(m.uuid);
    if (kvm && m.kvm === kvm) {
      const g = m.guestMasks();
      expect(kvm.masks, `CRYCB of ${m.uuid}`).toEqual({ apm: g.apm.toHex(), aqm: g.aqm.toHex(), adm: g.adm.toHex() });
    }
  }

  // queues bound to vfio_ap are linked exactly to the mdev holding their APQN (modern)
  for (const [key, q] of ap.queues) {
    check(bus.queues.get(key)?.driver === ap, () => `vfio_ap queue ${q.dev.name} not bound to vfio_ap`);
    const expected = modern ? mdevs.find((m) => m.matrix.apm.has(q.apid) && m.matrix.aqm.has(q.apqi)) : undefined;
    check(q.mdev === expected, () => `${q.dev.name} linked to ${q.mdev?.uuid}, assigned to ${expected?.uuid}`);
  }
  // every bound queue sits with a driver its reservation allows (the AND rule)
  for (const q of bus.queues.values()) {
    check(!q.driver || q.driver.isDefault === bus.reserved(q.apid, q.apqi), () => `${q.name} bound to ${q.driver?.name}`);
    check(ap.queues.has(q.key) === (q.driver === ap), () => `${q.name}: vfio_ap queue object`);
  }
  // every mdev shows up at its four paths, with its own IOMMU group
  const p = host.process();
  try {
    const groups = new Set<string>();
    for (const m of mdevs) {
      const dir = `${MATRIX}/${m.uuid}`;
      for (const path of [`/sys/bus/mdev/devices/${m.uuid}`, `${TYPE}/devices/${m.uuid}`]) check(p.realpath(path) === dir, () => path);
      groups.add(p.readlink(`${dir}/iommu_group`));
    }
    check(groups.size === mdevs.length, () => 'IOMMU groups shared');
    expect(p.readdir(`${TYPE}/devices`)).toEqual(mdevs.map((m) => m.uuid).sort());
  } finally {
    p.exit();
  }
}

/** Every node under /sys: directory listings, link targets and file contents (or errno). */
export function readTree(sh: Shell, root = '/sys'): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (path: string) => {
    const st = sh.sys.lstat(path);
    if (st.kind === 'link') out[path] = `-> ${sh.sys.readlink(path)}`;
    else if (st.kind === 'file') out[path] = `= ${String(sh.cat(path))}`;
    else if (st.kind === 'dir') {
      const names = sh.sys.readdir(path);
      out[path] = `[${names.join(' ')}]`;
      for (const n of names) visit(`${path}/${n}`);
    } else out[path] = st.kind;
  };
  visit(root);
  return out;
}
