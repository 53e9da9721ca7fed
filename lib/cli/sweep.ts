// --sweep: parsing the specs, every combination of their values, the folder
// name of each run, and the table of the runs (sweep.csv, sweep.txt, sweep.json).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parseAssignment, UsageError } from './experiment';

export interface Sweep {
  spec: string;
  path: string;
  values: unknown[];
  raws: string[];
}

/** The forms --sweep accepts, for messages and help. */
export const SWEEP_FORMS = 'name.field=from:to:count (count values from "from" to "to", ends included, e.g. hidden.tauV=0.5:0.9:5) or name.field=a,b,c';

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;

/** "hidden.tauV=0.5:0.9:5" (5 values from 0.5 to 0.9, ends included) or "hidden.tauV=0.5,0.7,0.9". */
export function parseSweep(spec: string): Sweep {
  const { path: parts, raw } = parseAssignment(spec, '--sweep');
  const range = new RegExp(`^(${NUMBER}):(${NUMBER}):(\\d+)$`).exec(raw);
  let raws: string[];
  if (range) {
    const [lo, hi, n] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(n >= 1)) {
      throw new UsageError(`--sweep ${spec}: expected from:to:count with finite numbers and a count >= 1`);
    }
    raws = Array.from({ length: n }, (_, k) => String(n === 1 ? lo : Number((lo + ((hi - lo) * k) / (n - 1)).toPrecision(12))));
  } else if (raw.includes(':')) {
    // A range without its count (0.9:0.5) or with something else in it: not a value.
    throw new UsageError(`--sweep ${spec}: "${raw}" is not a range; expected ${SWEEP_FORMS}`);
  } else {
    raws = raw.split(',').map((v) => v.trim());
    if (raws.some((v) => v === '')) throw new UsageError(`--sweep ${spec}: an empty value; expected ${SWEEP_FORMS}`);
  }
  return { spec, path: parts.join('.'), raws, values: raws.map((r) => parseAssignment(`x=${r}`, '--sweep').value) };
}

/** Every combination of the sweeps' values, first sweep slowest. */
export function combinations(sweeps: readonly Sweep[]): Array<Array<{ path: string; raw: string }>> {
  let out: Array<Array<{ path: string; raw: string }>> = [[]];
  for (const s of sweeps) out = out.flatMap((combo) => s.raws.map((raw) => [...combo, { path: s.path, raw }]));
  return out;
}

/** The sub-folder of one combination: hidden.tauV=0.5_readout.thresh=1 */
export function runDirName(combo: ReadonlyArray<{ path: string; raw: string }>): string {
  return combo.map((c) => `${c.path}=${c.raw}`).join('_').replace(/[^A-Za-z0-9._=+-]/g, '_');
}

/** A number for tables and messages: integers as they are, others to `digits` significant digits. */
export const fmt = (v: number, digits = 3): string => (Number.isInteger(v) ? String(v) : v.toPrecision(digits));

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n') + '\n';
}

/** What the table needs of a run's summary. */
export interface SweepRun<S extends SweepSummary = SweepSummary> {
  dirName: string;
  combo: ReadonlyArray<{ path: string; raw: string }>;
  summary: S;
}
export interface SweepSummary {
  layers: Record<string, { spikes: number; rateHz: number }>;
  wallSeconds: number;
  stepsPerSecond: number;
}

/** Writes sweep.csv, sweep.txt and sweep.json into dir; returns the text table. */
export function writeSweepTable(dir: string, runs: readonly SweepRun[], sweeps: readonly Sweep[]): string {
  const layerNames = Object.keys(runs[0].summary.layers);
  const header = ['run', ...sweeps.map((s) => s.path), ...layerNames.flatMap((l) => [`${l} spikes`, `${l} Hz`]), 'wall s', 'steps/s'];
  const rows = runs.map((r) => [
    r.dirName,
    ...r.combo.map((c) => c.raw),
    ...layerNames.flatMap((l) => [String(r.summary.layers[l].spikes), fmt(r.summary.layers[l].rateHz)]),
    fmt(r.summary.wallSeconds),
    fmt(r.summary.stepsPerSecond, 4),
  ]);
  const csv = [header, ...rows].map((r) => r.map((cell) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',')).join('\n') + '\n';
  const text = table([header, ...rows]);
  fs.writeFileSync(path.join(dir, 'sweep.csv'), csv);
  fs.writeFileSync(path.join(dir, 'sweep.txt'), text);
  fs.writeFileSync(
    path.join(dir, 'sweep.json'),
    JSON.stringify(runs.map((r) => ({ run: r.dirName, values: Object.fromEntries(r.combo.map((c) => [c.path, parseAssignment(`x=${c.raw}`, '--sweep').value])), summary: r.summary })), null, 2) + '\n',
  );
  return text;
}
