/**
 * The saved-state container: a versioned, checksummed binary record of named,
 * typed fields, which may nest whole records (a layer's options inside the
 * layer; layers and connections inside a network, network.ts). Format
 * version 1, all integers little-endian:
 *
 * ```
 * offset  size  field
 *      0     4  magic "SPKS" (53 50 4b 53)
 *      4     2  format version (uint16) = 1
 *      6     2  flags (uint16) = 0, reserved
 *      8     8  total length of the record in bytes, header and CRC included (uint64)
 *     16     1  kind length K (1..255)
 *     17     K  kind, ASCII: what the record holds ("LIFNeuron", "options", ...)
 *   17+K     4  field count F (uint32)
 *              F fields, each:
 *                1  name length L (1..255)
 *                L  name, ASCII, unique within the record
 *                1  type: 1 UTF-8 text, 2 float64[], 3 float32[], 4 uint8[],
 *                   5 record (a complete nested record: magic to CRC)
 *                8  payload length P in bytes (uint64), a multiple of the element size
 *                P  payload
 *  end-4     4  CRC-32 (IEEE, zlib's) of every byte before it (uint32)
 * ```
 *
 * The magic and the version stay at these offsets in every future version.
 * Decoding checks the magic, the version, the length, the CRC, then every
 * field's bounds, type and name, and copies what it returns: nothing refers
 * to the caller's bytes afterwards.
 */
import { crc32 } from 'node:zlib';

import { expectedBut, invalidParameter } from '../errors';

const STATE_MAGIC = 'SPKS';
export const STATE_FORMAT_VERSION = 1;
const HEADER_FIXED = 17;
const CRC_BYTES = 4;
const MAX_DEPTH = 16;

/** One typed field value. */
export type FieldValue = string | Float64Array | Float32Array | Uint8Array | StateRecord;

/** A record: what it holds (kind) and its named fields, in order. */
export interface StateRecord {
  kind: string;
  fields: Map<string, FieldValue>;
}

const TYPE_CODES = { text: 1, f64: 2, f32: 3, u8: 4, record: 5 } as const;
type FieldType = keyof typeof TYPE_CODES;
const TYPE_NAMES: Record<FieldType, string> = {
  text: 'UTF-8 text',
  f64: 'a float64 array',
  f32: 'a float32 array',
  u8: 'a uint8 array',
  record: 'a nested record',
};
const ELEMENT_BYTES: Record<FieldType, number> = { text: 1, f64: 8, f32: 4, u8: 1, record: 1 };

function typeOf(value: FieldValue): FieldType {
  if (typeof value === 'string') return 'text';
  if (value instanceof Float64Array) return 'f64';
  if (value instanceof Float32Array) return 'f32';
  if (value instanceof Uint8Array) return 'u8';
  return 'record';
}

/** The error for saved bytes that are not a valid state: names the field, what was expected, what came. */
export function corruptState(field: string, expected: string, received: string | number | bigint): RangeError {
  return expectedBut(`the saved state's ${field}`, expected, String(received)) as RangeError;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });
const PRINTABLE = /^[\x20-\x7e]+$/;

function checkName(name: string, what: string): Uint8Array {
  const bytes = utf8.encode(name);
  if (bytes.length > 255 || !PRINTABLE.test(name)) {
    throw invalidParameter(what, 'printable ASCII of 1 to 255 characters', name, 'range');
  }
  return bytes;
}

/** The bytes of one element-typed array, little-endian, as a Uint8Array view or copy. */
function payloadOf(value: FieldValue): Uint8Array {
  if (typeof value === 'string') return utf8.encode(value);
  if (value instanceof Uint8Array) return value;
  if (value instanceof Float32Array || value instanceof Float64Array) {
    if (LITTLE_ENDIAN) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    const out = new DataView(new ArrayBuffer(value.byteLength));
    value.forEach((v, i) =>
      value instanceof Float32Array ? out.setFloat32(4 * i, v, true) : out.setFloat64(8 * i, v, true),
    );
    return new Uint8Array(out.buffer);
  }
  return encodeRecord(value);
}

/** Encodes a record (nested records included) into one new Uint8Array. */
export function encodeRecord(record: StateRecord): Uint8Array {
  const kind = checkName(record.kind, 'record kind');
  const parts = [...record.fields].map(([name, value]) => ({
    name: checkName(name, 'field name'),
    code: TYPE_CODES[typeOf(value)],
    payload: payloadOf(value),
  }));
  const total =
    HEADER_FIXED + kind.length + 4 + parts.reduce((sum, p) => sum + 2 + p.name.length + 8 + p.payload.length, 0) + CRC_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  const bytes = (b: Uint8Array) => {
    out.set(b, at);
    at += b.length;
  };
  bytes(utf8.encode(STATE_MAGIC));
  view.setUint16(4, STATE_FORMAT_VERSION, true);
  view.setUint16(6, 0, true);
  view.setBigUint64(8, BigInt(total), true);
  at = 16;
  out[at++] = kind.length;
  bytes(kind);
  view.setUint32(at, parts.length, true);
  at += 4;
  for (const part of parts) {
    out[at++] = part.name.length;
    bytes(part.name);
    out[at++] = part.code;
    view.setBigUint64(at, BigInt(part.payload.length), true);
    at += 8;
    bytes(part.payload);
  }
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

/** Reads bounded pieces of one record, throwing a clear error at the first thing out of place. */
class Reader {
  private at = 0;
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly where: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(count: number, what: string): void {
    if (this.bytes.length - CRC_BYTES - this.at < count) {
      const left = this.bytes.length - CRC_BYTES - this.at;
      throw corruptState(`${this.where}${what}`, `${count} more bytes before the CRC`, `only ${left}`);
    }
  }
  seek(at: number): void {
    this.at = at;
  }
  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.at++];
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  u64(what: string): number {
    this.need(8, what);
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corruptState(`${this.where}${what}`, 'a length below 2^53', `${v}`);
    return Number(v);
  }
  /** A view of the next count bytes (of the decoder's private copy). */
  take(count: number, what: string): Uint8Array {
    this.need(count, what);
    const out = this.bytes.subarray(this.at, this.at + count);
    this.at += count;
    return out;
  }
  ascii(what: string): string {
    const length = this.u8(`${what} length`);
    const name = String.fromCharCode(...this.take(length, what));
    if (!PRINTABLE.test(name)) throw corruptState(`${this.where}${what}`, 'printable ASCII of 1 to 255 characters', JSON.stringify(name));
    return name;
  }
  done(): boolean {
    return this.at === this.bytes.length - CRC_BYTES;
  }
}

function typedFrom(type: FieldType, payload: Uint8Array): Float64Array | Float32Array {
  const size = ELEMENT_BYTES[type];
  if (LITTLE_ENDIAN) {
    const aligned = payload.slice(); // its own buffer, at offset 0
    return type === 'f64' ? new Float64Array(aligned.buffer, 0, payload.length / size)
      : new Float32Array(aligned.buffer, 0, payload.length / size);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const out = type === 'f64' ? new Float64Array(payload.length / 8) : new Float32Array(payload.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = type === 'f64' ? view.getFloat64(8 * i, true) : view.getFloat32(4 * i, true);
  return out;
}

function decodeAt(bytes: Uint8Array, where: string, depth: number): StateRecord {
  const minimum = HEADER_FIXED + 1 + 4 + CRC_BYTES;
  if (bytes.length < minimum) {
    throw corruptState(`${where}length`, `at least ${minimum} bytes (truncated?)`, `${bytes.length} bytes`);
  }
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== STATE_MAGIC) {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw corruptState(`${where}magic`, `"${STATE_MAGIC}" (a spiking saved state)`, PRINTABLE.test(magic) ? JSON.stringify(magic) : `bytes ${hex}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== STATE_FORMAT_VERSION) {
    throw corruptState(`${where}format version`, `version ${STATE_FORMAT_VERSION} (this library's)`, version);
  }
  const declared = view.getBigUint64(8, true);
  if (declared !== BigInt(bytes.length)) {
    const expected = `its declared length of ${declared} bytes`;
    throw corruptState(`${where}length`, `${expected}${declared > BigInt(bytes.length) ? ' (truncated?)' : ''}`, `${bytes.length} bytes`);
  }
  const stored = view.getUint32(bytes.length - CRC_BYTES, true);
  const computed = crc32(bytes.subarray(0, bytes.length - CRC_BYTES));
  if (stored !== computed) {
    const hex = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;
    throw corruptState(`${where}CRC-32`, `${hex(computed)} (the checksum of the bytes before it)`, `${hex(stored)}: the bytes are corrupt`);
  }
  const flags = view.getUint16(6, true);
  if (flags !== 0) throw corruptState(`${where}flags`, '0', flags);

  const read = new Reader(bytes, where);
  read.seek(16);
  const kind = read.ascii('kind');
  const count = read.u32('field count');
  const fields = new Map<string, FieldValue>();
  for (let f = 0; f < count; f++) {
    const name = read.ascii(`field ${f} name`);
    if (fields.has(name)) throw corruptState(`${where}${name}`, 'one field of that name', 'two');
    const code = read.u8(`${name} type`);
    const type = (Object.keys(TYPE_CODES) as FieldType[]).find((t) => TYPE_CODES[t] === code);
    if (!type) throw corruptState(`${where}${name} type`, 'a type code from 1 to 5', code);
    const length = read.u64(`${name} length`);
    if (length % ELEMENT_BYTES[type] !== 0) {
      throw corruptState(`${where}${name}`, `a whole number of ${ELEMENT_BYTES[type]}-byte elements`, `${length} bytes`);
    }
    const payload = read.take(length, name);
    fields.set(name, decodeValue(type, payload, `${where}${name}.`, depth));
  }
  if (!read.done()) throw corruptState(`${where}end`, 'the CRC right after the last field', 'more bytes');
  return { kind, fields };
}

function decodeValue(type: FieldType, payload: Uint8Array, where: string, depth: number): FieldValue {
  switch (type) {
    case 'text':
      try {
        return fromUtf8.decode(payload);
      } catch {
        throw corruptState(where.slice(0, -1), 'UTF-8 text', `${payload.length} bytes that are not UTF-8`);
      }
    case 'u8':
      return payload;
    case 'record':
      if (depth >= MAX_DEPTH) throw corruptState(where.slice(0, -1), `records nested at most ${MAX_DEPTH} deep`, 'deeper');
      return decodeAt(payload, where, depth + 1);
    default:
      return typedFrom(type, payload);
  }
}

/**
 * Decodes a record from bytes that the caller may change afterwards (they are
 * copied first, so a SharedArrayBuffer written by another thread cannot
 * change them between the checks and the use).
 */
export function decodeRecord(bytes: unknown, name = 'bytes'): StateRecord {
  if (!(bytes instanceof Uint8Array)) {
    throw invalidParameter(name, 'a Uint8Array (or Buffer) holding a saved state', bytes);
  }
  const copy = new Uint8Array(bytes.length); // a detached view has length 0: read as truncated
  if (bytes.length > 0) copy.set(bytes);
  return decodeAt(copy, '', 0);
}

/** A field of the given type, or a clear error naming it. */
export function field<T extends FieldType>(
  record: StateRecord,
  name: string,
  type: T,
  where: string,
): T extends 'text' ? string : T extends 'f64' ? Float64Array : T extends 'f32' ? Float32Array : T extends 'u8' ? Uint8Array : StateRecord {
  const value = record.fields.get(name);
  if (value === undefined) throw corruptState(`${where}${name}`, `${TYPE_NAMES[type]} field`, 'none (the field is missing)');
  if (typeOf(value) !== type) {
    throw corruptState(`${where}${name}`, `${TYPE_NAMES[type]} field`, `${TYPE_NAMES[typeOf(value)]} field`);
  }
  return value as never;
}

/** Rejects fields a record of this kind does not have. */
export function onlyFields(record: StateRecord, allowed: readonly string[], where: string): void {
  for (const name of record.fields.keys()) {
    if (!allowed.includes(name)) {
      throw corruptState(`${where}${name}`, `one of the fields ${allowed.join(', ')}`, `an unknown field ${JSON.stringify(name)}`);
    }
  }
}
