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

/** The errno answers of a syscall route. */
export const errnoResponses = {
  403: json(ErrnoError, 'the kernel refused: EPERM or EACCES'),
  404: json(ErrnoError, 'the kernel refused: ENOENT or ENOTDIR'),
  409: json(ErrnoError, 'the kernel refused: EBUSY, EADDRINUSE or EEXIST'),
  422: json(ErrnoError, 'the kernel refused with another errno (EINVAL, ENODEV, ERANGE, …)'),
};

/** What every route can answer besides its own. */
export const commonResponses = {
  400: json(BadRequest, 'a body or parameter is invalid: each issue names the field and the reason'),
  401: json(Problem, 'a token is required (Authorization: Bearer <token>)'),
  413: json(Problem, 'the body is over 1 MiB'),
};

export const problem422 = { 422: json(Problem, 'the twin refused the request') };

export { json };
