/** Thrown by the base classes' stages that a concrete model must provide (PySNN's NotImplementedError). */
export class NotImplementedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotImplementedError';
  }
}

/** A short, readable description of any value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    const length = (value as unknown as { length?: number }).length ?? value.byteLength;
    const detached = value.buffer.byteLength === 0 && value.byteLength === 0 ? ' (detached or empty)' : '';
    return `a ${value.constructor.name} of length ${length}${detached}`;
  }
  if (typeof value === 'function') return 'a function';
  return `an object of type ${(value as object).constructor?.name ?? 'Object'}`;
}

/** The one message template: which parameter, what was expected, what came. */
export function invalidParameter(
  name: string,
  expected: string,
  actual: unknown,
  kind: 'type' | 'range' = 'type',
): TypeError | RangeError {
  return expectedBut(name, expected, describe(actual), kind);
}

/** The same template with the received value already described (for bytes, checksums, lengths). */
export function expectedBut(
  name: string,
  expected: string,
  received: string,
  kind: 'type' | 'range' = 'range',
): TypeError | RangeError {
  const message = `Expected ${expected} for ${name} but received ${received}`;
  return kind === 'type' ? new TypeError(message) : new RangeError(message);
}

/** Why a file-system call failed, in words, from its error code (the paths in Node's message are left out). */
export function fileSystemReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EACCES: 'permission denied',
    EPERM: 'the operation is not permitted there',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is used up',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'it is a folder',
    EEXIST: 'it exists',
    ENAMETOOLONG: 'the name is too long',
    EMFILE: 'too many open files',
    EIO: 'an input/output error',
  };
  if (code && reasons[code]) return `${reasons[code]} (${code})`;
  return code ?? (error instanceof Error ? error.message : String(error));
}
