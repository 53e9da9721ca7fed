import * as fs from 'node:fs';

/**
 * NumPy's .npy format, version 1.0: the magic "\x93NUMPY", version 1 0, a
 * little-endian uint16 header length, then a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (T, n), }` padded with
 * spaces and ended by a newline so that the whole header is a multiple of 64
 * bytes, then the data in C order.
 */
export type NpyDescr = '<f4' | '<f8' | '|u1' | '|b1' | '<i4' | '<u4';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
const ALIGN = 64;
const ITEM_BYTES: Record<NpyDescr, number> = { '<f4': 4, '<f8': 8, '|u1': 1, '|b1': 1, '<i4': 4, '<u4': 4 };

export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array | Uint32Array;

export interface NpyArray {
  descr: NpyDescr;
  shape: number[];
  /** In C order (a Fortran-ordered file is reordered when read). */
  data: NpyData;
}

function shapeLiteral(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * The header for an array of this type and shape. `minBytes` reserves room,
 * so that a streamed file's header can be rewritten in place once its final
 * length is known.
 */
export function npyHeader(descr: NpyDescr, shape: readonly number[], minBytes = 0): Buffer {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeLiteral(shape)}, }`;
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const total = Math.max(Math.ceil(unpadded / ALIGN) * ALIGN, minBytes);
  const headerLength = total - MAGIC.length - 4;
  if (headerLength > 0xffff) throw new RangeError(`npy header of ${headerLength} bytes does not fit version 1.0`);
  const out = Buffer.alloc(total, 0x20);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(headerLength, 8);
  out.write(dict, 10, 'latin1');
  out[total - 1] = 0x0a;
  return out;
}

function bytesOf(data: ArrayBufferView): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Writes a whole array to `path` (little-endian host assumed, as everywhere in spiking). */
export function writeNpy(path: string, descr: NpyDescr, shape: readonly number[], data: ArrayBufferView): void {
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.byteLength !== count * ITEM_BYTES[descr]) {
    throw new RangeError(`writeNpy ${path}: shape [${shape.join(', ')}] needs ${count * ITEM_BYTES[descr]} bytes, data has ${data.byteLength}`);
  }
  const fd = fs.openSync(path, 'w');
  try {
    fs.writeSync(fd, npyHeader(descr, shape));
    fs.writeSync(fd, bytesOf(data));
  } finally {
    fs.closeSync(fd);
  }
}

/** Room for any shape of up to four dimensions below 2^53 in a streamed file's header. */
const STREAM_HEADER_BYTES = 192;

/**
 * An .npy file written as rows arrive: shape (rows, ...rowShape), rows counted
 * as they come. Appends go through a fixed buffer (no allocation per append);
 * close() writes the final header in place.
 */
export class NpyStream {
  readonly path: string;
  private readonly fd: number;
  private readonly buffer: Buffer;
  private used = 0;
  private rows = 0;
  private readonly rowBytes: number;
  private closed = false;

  constructor(path: string, readonly descr: NpyDescr, readonly rowShape: readonly number[], bufferBytes = 1 << 20) {
    this.path = path;
    this.rowBytes = rowShape.reduce((a, b) => a * b, 1) * ITEM_BYTES[descr];
    this.buffer = Buffer.alloc(Math.max(bufferBytes, this.rowBytes));
    this.fd = fs.openSync(path, 'w');
    fs.writeSync(this.fd, npyHeader(descr, [0, ...rowShape], STREAM_HEADER_BYTES));
  }

  /** Rows written so far. */
  get length(): number {
    return this.rows;
  }

  /** Appends whole rows (data.byteLength must be a multiple of the row size). */
  append(data: ArrayBufferView): void {
    const bytes = data.byteLength;
    if (bytes % this.rowBytes !== 0) {
      throw new RangeError(`${this.path}: expected whole rows of ${this.rowBytes} bytes but received ${bytes}`);
    }
    const src = new Uint8Array(data.buffer, data.byteOffset, bytes);
    let at = 0;
    while (at < bytes) {
      const take = Math.min(bytes - at, this.buffer.length - this.used);
      this.buffer.set(src.subarray(at, at + take), this.used);
      this.used += take;
      at += take;
      if (this.used === this.buffer.length) this.flush();
    }
    this.rows += bytes / this.rowBytes;
  }

  /** Writes what is buffered. */
  flush(): void {
    if (this.used > 0) fs.writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }

  /** Flushes, writes the final shape into the header, closes the file. Returns the shape. */
  close(): number[] {
    const shape = [this.rows, ...this.rowShape];
    if (this.closed) return shape;
    this.closed = true;
    try {
      this.flush();
      fs.writeSync(this.fd, npyHeader(this.descr, shape, STREAM_HEADER_BYTES), 0, STREAM_HEADER_BYTES, 0);
    } finally {
      fs.closeSync(this.fd);
    }
    return shape;
  }
}

const TYPED: Record<NpyDescr, new (buffer: ArrayBuffer) => NpyData> = {
  '<f4': Float32Array,
  '<f8': Float64Array,
  '|u1': Uint8Array,
  '|b1': Uint8Array,
  '<i4': Int32Array,
  '<u4': Uint32Array,
};

/** Parses an .npy file's bytes; `name` (the file) is named in every error. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const bad = (why: string): Error => new Error(`${name} is not a valid .npy file: ${why}`);
  if (bytes.length < 10 || !MAGIC.equals(Buffer.from(bytes.subarray(0, 6)))) throw bad('it does not start with \\x93NUMPY');
  const major = bytes[6];
  if (major < 1 || major > 3) throw bad(`unknown format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > bytes.length) throw bad(`its header claims ${headerLength} bytes but the file has ${bytes.length}`);
  const header = Buffer.from(bytes.subarray(8 + lengthBytes, dataStart)).toString('latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(`unreadable header ${JSON.stringify(header.trim())}`);
  if (!(descr in ITEM_BYTES)) {
    throw bad(`data type '${descr}' is not supported (use one of ${Object.keys(ITEM_BYTES).join(', ')})`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const d = Number(s);
      if (!Number.isSafeInteger(d) || d < 0) throw bad(`bad dimension ${JSON.stringify(s)} in shape`);
      return d;
    });
  const type = descr as NpyDescr;
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * ITEM_BYTES[type];
  if (bytes.length - dataStart !== need) {
    throw bad(`shape (${shape.join(', ')}) of ${type} needs ${need} data bytes but the file has ${bytes.length - dataStart}`);
  }
  const copy = new Uint8Array(need);
  copy.set(bytes.subarray(dataStart));
  let data = new TYPED[type](copy.buffer);
  if (fortran === 'True' && shape.length > 1) data = toCOrder(data, shape);
  return { descr: type, shape, data };
}

/** Reorders Fortran-ordered (column-major) data into C order. */
function toCOrder(data: NpyData, shape: readonly number[]): NpyData {
  const out = new (data.constructor as new (n: number) => NpyData)(data.length);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let d = rank - 1; d >= 0; d--) f = f * shape[d] + index[d];
    out[c] = data[f];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/** Reads an .npy file; errors name the file (missing, unreadable or corrupt). */
export function readNpy(path: string): NpyArray {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path} does not exist` : `${path} could not be read (${code ?? String(e)})`);
  }
  return parseNpy(bytes, path);
}
