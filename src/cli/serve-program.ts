// The commander wiring of `serve`: the server and its dependencies (hono, the API schemas)
// load only when it runs.

import type { Command } from 'commander';
import { rejectRoot } from './cli-error.js';
import type { FuseProgramContext } from './fuse-program.js';
import { run } from './program-context.js';
import { packageVersion } from './version.js';

export function registerServeCommand(program: Command, ctx: FuseProgramContext): void {
  program
    .command('serve')
    .description('serve the twin over HTTP/JSON (API under /api/v1, OpenAPI at /api/v1/openapi.json, dashboard at /); other commands on the state then go through it')
    .option('--listen <host:port>', 'where to listen (a non-loopback address needs --token-file)', '127.0.0.1:7420')
    .option('--token-file <file>', 'require Authorization: Bearer <the token in FILE> on every request')
    .option('--mount <dir>', "also serve the twin's /sys at DIR over FUSE, in this process ('vfioctl umount DIR' then ends it)")
    .action((o: { listen: string; tokenFile?: string; mount?: string }) =>
      run(
        ctx,
        rejectRoot(ctx, 'serve') ??
          (async (io) =>
            (await import('../server/serve.js')).serveCommand(
              { listen: o.listen, state: ctx.state(), tokenFile: o.tokenFile, mount: o.mount, runCli: ctx.runCli, version: packageVersion() },
              io,
            )),
      ),
    );
}
