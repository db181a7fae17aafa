import { describe, expect, it } from 'vitest';
import { mdevPath, TYPE_DIR, twinCli, UUID_A } from './helpers.js';

// Hand-checked against ecosystem spec §2.1: CARD.DOM %-8s, TYPE %-5s, MODE %-11s,
// STATUS %-10s, REQUESTS %8s, one space between columns; the rule is as wide as the header.
const HEADER = 'CARD.DOM TYPE  MODE        STATUS     REQUESTS\n----------------------------------------------\n';
const DOC_ALL_ONLINE =
  HEADER +
  '05       CEX5C CCA-Coproc  online            0\n' +
  '05.0004  CEX5C CCA-Coproc  online            0\n' +
  '05.0047  CEX5C CCA-Coproc  online            0\n' +
  '05.00ab  CEX5C CCA-Coproc  online            0\n' +
  '05.00ff  CEX5C CCA-Coproc  online            0\n' +
  '06       CEX5A Accelerator online            0\n' +
  '06.0004  CEX5A Accelerator online            0\n' +
  '06.0047  CEX5A Accelerator online            0\n' +
  '06.00ab  CEX5A Accelerator online            0\n' +
  '06.00ff  CEX5A Accelerator online            0\n';

// -V adds PENDING %8s, HWTYPE %6s, QDEPTH %6s, FUNCTIONS %-10s, DRIVER %-11s; util_rec pads
// the last column too, so DRIVER cells and the header carry trailing blanks.
const VERBOSE_HEADER =
  'CARD.DOM TYPE  MODE        STATUS     REQUESTS  PENDING HWTYPE QDEPTH FUNCTIONS  DRIVER     \n' + '-'.repeat(92) + '\n';

describe('vfioctl ap list', () => {
  it("prints lszcrypt's table for the doc host, every queue online under zcrypt", async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    expect(await cli('ap', 'list')).toMatchObject({ code: 0, stdout: DOC_ALL_ONLINE, stderr: '' });
    expect(HEADER.split('\n')[0]).toHaveLength(46);
  });

  it('hides queues bound to vfio_ap (no online attribute) without -V', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    await cli('sys', 'write', '/sys/bus/ap/apmask', '-5,-6');
    await cli('sys', 'write', '/sys/bus/ap/aqmask', '-4,-0xab');
    expect((await cli('ap', 'list')).stdout).toBe(HEADER + '05       CEX5C CCA-Coproc  online            0\n06       CEX5A Accelerator online            0\n');
  });

  it('shows vfio_ap queues with -V, their status read from the queue status file and - for their request count', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    await cli('sys', 'write', '/sys/bus/ap/apmask', '-5');
    await cli('sys', 'write', '/sys/bus/ap/aqmask', '-4,-0xab');
    await cli('sys', 'write', `${TYPE_DIR}/create`, UUID_A);
    await cli('sys', 'write', `${mdevPath(UUID_A)}/assign_adapter`, '5');
    await cli('sys', 'write', `${mdevPath(UUID_A)}/assign_domain`, '4');
    const r = await cli('ap', 'list', '-V');
    expect(r.stdout).toBe(
      VERBOSE_HEADER +
        '05       CEX5C CCA-Coproc  online            0        0     11     08 S--D--N-F- cex4card   \n' +
        '05.0004  CEX5C CCA-Coproc  assigned          -        -     11     08 S--D--N-F- vfio_ap    \n' +
        '05.0047  CEX5C CCA-Coproc  unassigned        -        -     11     08 S--D--N-F- vfio_ap    \n' +
        '05.00ab  CEX5C CCA-Coproc  unassigned        -        -     11     08 S--D--N-F- vfio_ap    \n' +
        '05.00ff  CEX5C CCA-Coproc  unassigned        -        -     11     08 S--D--N-F- vfio_ap    \n' +
        '06       CEX5A Accelerator online            0        0     11     08 SMC-A-N-F- cex4card   \n' +
        // apmask keeps adapter 6, but aqmask dropped domain 4: the AND rule frees 06.0004 too
        '06.0004  CEX5A Accelerator unassigned        -        -     11     08 SMC-A-N-F- vfio_ap    \n' +
        '06.0047  CEX5A Accelerator online            0        0     11     08 SMC-A-N-F- cex4queue  \n' +
        '06.00ab  CEX5A Accelerator unassigned        -        -     11     08 SMC-A-N-F- vfio_ap    \n' +
        '06.00ff  CEX5A Accelerator online            0        0     11     08 SMC-A-N-F- cex4queue  \n',
    );
  });

  it('prints the same rows as JSON objects with --json', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    await cli('sys', 'write', '/sys/bus/ap/apmask', '-6');
    const plain = JSON.parse((await cli('ap', 'list', '--json')).stdout) as Record<string, string>[];
    expect(plain.map((r) => r.card)).toEqual(['05', '05.0004', '05.0047', '05.00ab', '05.00ff', '06']);
    expect(plain[0]).toEqual({ card: '05', type: 'CEX5C', mode: 'CCA-Coproc', status: 'online', requests: '0' });
    const verbose = JSON.parse((await cli('ap', 'list', '-V', '--json')).stdout) as Record<string, string>[];
    expect(verbose).toHaveLength(10);
    expect(verbose.find((r) => r.card === '06.0047')).toEqual({
      card: '06.0047',
      type: 'CEX5A',
      mode: 'Accelerator',
      status: 'unassigned',
      // request_count_show prints - for a queue no zcrypt driver initialised
      requests: '-',
      pending: '-',
      hwtype: '11',
      qdepth: '08',
      functions: 'SMC-A-N-F-',
      driver: 'vfio_ap',
    });
  });

  it("fails as lszcrypt does when there is no card: 'No crypto card devices found.'", async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    await cli('host', 'config', 'remove', 'adapter', '5');
    await cli('host', 'config', 'remove', 'adapter', '6');
    expect(await cli('ap', 'list')).toMatchObject({ code: 1, stdout: '', stderr: 'vfioctl: ap list: No crypto card devices found.\n' });
  });
});
