// The output folder of `spiking run`: written as a hidden temporary sibling
// and renamed into place only when everything is written, so that a run
// that fails leaves nothing. The temporary names carry the process id, so
// that the supervisor (supervise.ts) can remove this process's leftovers
// after a signal ends the run midway.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { fileSystemReason } from '../errors';
import { ExperimentError } from './experiment';

/** The prefix of this process's temporary folders for `target` (its parent folder, hidden). */
export function temporaryPrefix(target: string, pid = process.pid): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${pid}-`);
}

/** An error about --out that names what the user asked for and why it failed. */
function outError(out: string, what: string, error: unknown): ExperimentError {
  return new ExperimentError(`--out ${out}: ${what}: ${fileSystemReason(error)}`);
}

/**
 * Writes the output folder `out` through `write(tmp)`; renames tmp to out
 * when its promise resolves, removes it when it rejects (a run aborted by a
 * signal too). `announce` is told the resolved target before anything is
 * created.
 */
export async function withOutputDir<T>(out: string, force: boolean, write: (tmp: string) => Promise<T>, announce?: (target: string) => void): Promise<T> {
  const target = path.resolve(out);
  const existing = checkOutputDir(out, force);
  const parent = path.dirname(target);
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (e) {
    const file = firstFileOn(parent);
    if (file !== null) throw new ExperimentError(`--out ${out}: ${file} is a file, not a folder`);
    throw outError(out, `cannot create the folder ${parent} it goes in`, e);
  }
  announce?.(target);
  let tmp: string;
  try {
    tmp = fs.mkdtempSync(temporaryPrefix(target));
  } catch (e) {
    throw outError(out, `cannot create the folder in ${parent}`, e);
  }
  fs.chmodSync(tmp, 0o777 & ~process.umask()); // mkdtemp makes it private; the result is an ordinary folder
  let result: T;
  try {
    result = await write(tmp);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = `${tmp}-old`;
  try {
    if (existing) fs.renameSync(target, old);
    fs.renameSync(tmp, target);
  } catch (e) {
    if (existing && fs.existsSync(old) && !fs.existsSync(target)) fs.renameSync(old, target);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw outError(out, 'cannot move the results into place', e);
  }
  if (existing) fs.rmSync(old, { recursive: true, force: true });
  return result;
}

/** Checks that `out` may be written (absent, an empty folder, or --force); returns whether it exists. */
export function checkOutputDir(out: string, force: boolean): boolean {
  const target = path.resolve(out);
  if (!fs.existsSync(target)) return false;
  if (!fs.statSync(target).isDirectory()) throw new ExperimentError(`--out ${out}: exists and is not a folder`);
  if (fs.readdirSync(target).length > 0 && !force) throw new ExperimentError(`--out ${out}: the folder exists and is not empty (use --force to replace it)`);
  return true;
}

/** The first part of dir (from the root) that exists and is not a folder, or null. */
function firstFileOn(dir: string): string | null {
  const parts: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    parts.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const p of parts) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      return null;
    }
    if (!stat.isDirectory()) return p;
  }
  return null;
}

/**
 * After a run was stopped midway: removes the temporary folders process
 * `pid` left for `target`, and puts back the folder a --force run had moved
 * aside when it was stopped between its two renames. Returns what it removed.
 */
export function removeTemporaries(target: string, pid = process.pid): string[] {
  const prefix = temporaryPrefix(target, pid);
  const dir = path.dirname(prefix);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.filter((n) => n.startsWith(path.basename(prefix))).sort().reverse()) {
    const full = path.join(dir, name);
    if (name.endsWith('-old') && !fs.existsSync(target)) {
      fs.renameSync(full, target); // the previous results, never replaced
      continue;
    }
    fs.rmSync(full, { recursive: true, force: true });
    removed.push(full);
  }
  return removed;
}
