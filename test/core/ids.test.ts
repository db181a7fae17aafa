// UUIDs (uuid_is_valid, %pUl), APQN names (%02x.%04x) and the errno table.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apidOf, apqiOf, apqnKey, apqnName, cardName, parseApqnName } from '../../src/core/apqn.js';
import { errnoByNumber, errnoNumber, ERRNO, isKernelError, KernelError, strerror, type ErrnoName } from '../../src/core/errno.js';
import { canonicalUuid, isUuid } from '../../src/core/uuid.js';

describe('uuid', () => {
  it('accepts 8-4-4-4-12 hex in either case and names it in lower case', () => {
    expect(isUuid('62177883-F1BB-47F0-914D-32A22E3A8804')).toBe(true);
    expect(canonicalUuid('62177883-F1BB-47F0-914D-32A22E3A8804')).toBe('62177883-f1bb-47f0-914d-32a22e3a8804');
    fc.assert(
      fc.property(fc.uuid(), (u) => {
        expect(canonicalUuid(u.toUpperCase())).toBe(u.toLowerCase());
      }),
    );
  });

  it.each([
    '62177883-f1bb-47f0-914d-32a22e3a880', // 35
    '62177883-f1bb-47f0-914d-32a22e3a88044', // 37
    '62177883f1bb-47f0-914d-32a22e3a88044',
    '62177883-f1bb-47f0-914d_32a22e3a8804',
    'g2177883-f1bb-47f0-914d-32a22e3a8804',
    '62177883-f1bb-47f0-914d-32a22e3a8804\n',
    '{2177883-f1bb-47f0-914d-32a22e3a880}',
  ])('%j is not a UUID', (s) => {
    expect(isUuid(s)).toBe(false);
    expect(() => canonicalUuid(s)).toThrow();
  });
});

describe('apqn', () => {
  it('names queues and cards as the AP bus does', () => {
    expect(apqnName(5, 0x47)).toBe('05.0047');
    expect(apqnName(0xab, 0xff)).toBe('ab.00ff');
    expect(cardName(10)).toBe('card0a');
    expect(parseApqnName('05.0047')).toEqual({ apid: 5, apqi: 0x47 });
    for (const bad of ['5.0047', '05.47', '05.0100', '05.004G', 'AB.0004', '05.0047\n', '']) expect(parseApqnName(bad)).toBeUndefined();
  });

  it('packs and unpacks keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (a, d) => {
        const k = apqnKey(a, d);
        expect([apidOf(k), apqiOf(k)]).toEqual([a, d]);
        expect(parseApqnName(apqnName(a, d))).toEqual({ apid: a, apqi: d });
      }),
    );
  });
});

describe('errno', () => {
  it('has the Linux numbers and glibc texts', () => {
    const expected: [ErrnoName, number, string][] = [
      ['EINVAL', 22, 'Invalid argument'],
      ['ERANGE', 34, 'Numerical result out of range'],
      ['ENODEV', 19, 'No such device'],
      ['EADDRINUSE', 98, 'Address already in use'],
      ['EADDRNOTAVAIL', 99, 'Cannot assign requested address'],
      ['EBUSY', 16, 'Device or resource busy'],
      ['EEXIST', 17, 'File exists'],
      ['EUSERS', 87, 'Too many users'],
      ['EACCES', 13, 'Permission denied'],
      ['ELOOP', 40, 'Too many levels of symbolic links'],
      ['ENOTDIR', 20, 'Not a directory'],
      ['EISDIR', 21, 'Is a directory'],
      ['ENOENT', 2, 'No such file or directory'],
      ['EPERM', 1, 'Operation not permitted'],
    ];
    for (const [name, num, text] of expected) {
      expect(errnoNumber(name)).toBe(num);
      expect(strerror(name)).toBe(text);
      expect(errnoByNumber(num)).toBe(name);
    }
    expect(errnoByNumber(9999)).toBeUndefined();
    const numbers = Object.values(ERRNO).map(([n]) => n);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('KernelError carries the code, number and text', () => {
    const e = new KernelError('EADDRINUSE', 'queue 05.0004');
    expect(e.message).toBe('EADDRINUSE (Address already in use): queue 05.0004');
    expect(e.errno).toBe(98);
    expect(isKernelError(e, 'EADDRINUSE')).toBe(true);
    expect(isKernelError(e, 'EINVAL')).toBe(false);
    expect(isKernelError(new Error('x'))).toBe(false);
  });
});
