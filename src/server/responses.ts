// How failures answer: a refused system call with the kernel's errno (and the log lines it
// produced), a refusal of the twin's own (ApiError) as a one-line problem, and the OpenAPI
// descriptions every route shares.

import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrnoName } from '../core/errno.js';
import { ApiError } from '../api/errors.js';
import { SyscallFailure } from '../api/syscall-failure.js';
import { BadRequest, ErrnoError, Problem } from './schemas.js';

/** The HTTP status of a refused call: what it means to a client, by errno. */
export function errnoStatus(errno: ErrnoName): 403 | 404 | 409 | 422 {
  if (errno === 'ENOENT' || errno === 'ENOTDIR') return 404;
  if (errno === 'EPERM' || errno === 'EACCES') return 403;
  if (errno === 'EBUSY' || errno === 'EADDRINUSE' || errno === 'EEXIST') return 409;
  return 422;
}

/** The answer to a failure the route knows how to tell; undefined for anything else (a bug: 500). */
export function failure(c: Context, e: unknown): Response | undefined {
  if (e instanceof SyscallFailure) return c.json(e.json, errnoStatus(e.errno) as ContentfulStatusCode);
  if (e instanceof ApiError) return c.json({ error: e.message }, 422);
  return undefined;
}

export function rethrowUnless(c: Context, e: unknown): Response {
  const r = failure(c, e);
  if (!r) throw e;
  return r;
}

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

const ERRNO_TEXT = {
  403: 'the kernel refused: EPERM or EACCES',
  404: 'the kernel refused: ENOENT or ENOTDIR',
  409: 'the kernel refused: EBUSY, EADDRINUSE or EEXIST',
  422: 'the kernel refused with another errno (EINVAL, EISDIR, ENODEV, ERANGE, …)',
} as const;

/** The errno answers a syscall route can give (each one a test can provoke). */
export function errnoResponses<S extends keyof typeof ERRNO_TEXT>(...statuses: S[]): Record<S, ReturnType<typeof json<typeof ErrnoError>>> {
  return Object.fromEntries(statuses.map((s) => [s, json(ErrnoError, ERRNO_TEXT[s])])) as Record<S, ReturnType<typeof json<typeof ErrnoError>>>;
}

const r400 = json(BadRequest, 'a body or parameter is invalid: each issue names the field and the reason');
const r401 = json(Problem, 'a token is required (Authorization: Bearer <token>)');
const r413 = json(Problem, 'the body is over 1 MiB');

/** What a route answers besides its own: 401 always, 400 when it takes input, 413 when it takes a body. */
export const common = {
  none: { 401: r401 },
  params: { 400: r400, 401: r401 },
  body: { 400: r400, 401: r401, 413: r413 },
};

export const problem422 = { 422: json(Problem, 'the twin refused the request') };

export { json };
