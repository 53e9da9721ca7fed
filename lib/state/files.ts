/**
 * The file side of saved states: path checks, reading a state file, and
 * writing one atomically. What the bytes mean is codec.ts's job.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import { fileSystemReason, invalidParameter } from '../errors';

/** A file path argument, checked. */
function checkPath(path: unknown): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw invalidParameter('path', 'a non-empty file path string', path);
  }
  return path;
}

/** The bytes of a state file written by writeFileAtomic. */
export function readStateFile(path: unknown): Uint8Array {
  return fs.readFileSync(checkPath(path));
}

/** The file calls writeFileAtomic makes (a parameter, so that tests can watch them and make them fail). */
export type FileCalls = Pick<typeof fs, 'openSync' | 'writeSync' | 'fsyncSync' | 'closeSync' | 'renameSync' | 'rmSync'>;

/**
 * Writes bytes to path atomically: into a new temporary file in the same
 * directory, flushed to disk (fsync), then renamed over path, and the
 * directory flushed; a crash leaves the old file or the new one, never a
 * part. The temporary file is removed when anything fails.
 */
export function writeFileAtomic(path: unknown, bytes: Uint8Array, io: FileCalls = fs): void {
  const given = checkPath(path);
  const target = resolve(given);
  const dir = dirname(target);
  const temporary = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = io.openSync(temporary, 'wx', 0o644);
  } catch (error) {
    throw writeError(given, error);
  }
  try {
    try {
      for (let at = 0; at < bytes.length; ) at += io.writeSync(fd, bytes, at, bytes.length - at);
      io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
    io.renameSync(temporary, target);
  } catch (error) {
    io.rmSync(temporary, { force: true });
    throw writeError(given, error);
  }
  syncDirectory(dir, io);
}

/**
 * Why a file could not be written, naming the file asked for (not the
 * temporary one, so Node's error, which names it, is not kept); the error
 * keeps Node's code.
 */
function writeError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const folder = dirname(path);
  const reason = code === 'ENOENT' && !fs.existsSync(folder) ? `the folder ${folder} does not exist (ENOENT)` : fileSystemReason(error);
  const wrapped: NodeJS.ErrnoException = new Error(`Cannot write ${path}: ${reason}`);
  if (code !== undefined) wrapped.code = code;
  return wrapped;
}

/** fsync of a directory, so that a rename in it is on disk; a no-op where directories cannot be opened (Windows). */
function syncDirectory(dir: string, io: FileCalls): void {
  let fd: number;
  try {
    fd = io.openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    io.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename is done either way.
  } finally {
    io.closeSync(fd);
  }
}
