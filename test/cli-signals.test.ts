// Ctrl-C (SIGINT) and SIGTERM during `spiking run`: a real signal to the real
// bin in a child process, mid-run. The run stops through its AbortSignal
// (Network.runAsync) and says after how many steps; the process exits 130 /
// 143, leaves no hidden temporary folder and no output folder, and a folder
// that --force was going to replace is still there, as it was.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'spiking.js');
const example = path.join(root, 'examples', 'recurrent.json');

let work: string;
beforeEach(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-signals-'))));
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The hidden temporary folders in work, and the size of the files in them. */
function temporaries(): { names: string[]; bytes: number } {
  const names = fs.readdirSync(work).filter((n) => n.includes('.tmp-'));
  let bytes = 0;
  for (const n of names) for (const f of fs.readdirSync(path.join(work, n))) bytes += fs.statSync(path.join(work, n, f)).size;
  return { names, bytes };
}

/** Starts a long run, waits until its partial files have content, sends `signal`; resolves with how it ended. */
async function interrupted(signal: NodeJS.Signals, extra: string[] = []) {
  const out = path.join(work, 'out');
  // ~10^6 steps: minutes of work, stopped after its first recordings are on disk.
  const child = spawn(process.execPath, [bin, 'run', example, '--out', out, '--set', 'steps=1000000', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
  let partial = 0;
  for (let i = 0; i < 600 && partial === 0; i++) {
    await sleep(50);
    partial = temporaries().bytes;
  }
  expect(partial).toBeGreaterThan(0); // the run is under way, its partial files on disk
  child.kill(signal);
  return { ...(await ended), stderr, out };
}

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s during spiking run', (signal, code) => {
  test(`exits ${code} and leaves no temporary folder and no output`, async () => {
    const r = await interrupted(signal);
    expect(r).toMatchObject({ code, signal: null });
    expect(r.stderr).toContain(`spiking: stopped by ${signal}; the unfinished output was removed`);
    // Stopped through the run's AbortSignal at a step boundary (not by terminating the worker), which says where.
    const at = /: stopped after (\d+) of 1000000 steps\n/.exec(r.stderr);
    expect(at).not.toBeNull();
    expect(Number(at![1])).toBeGreaterThan(0);
    expect(Number(at![1])).toBeLessThan(1000000);
    expect(temporaries().names).toEqual([]);
    expect(fs.existsSync(r.out)).toBe(false);
  }, 60_000);
});

test('SIGINT during a --force run leaves the folder it was going to replace as it was', async () => {
  const out = path.join(work, 'out');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'keep.txt'), 'mine');
  const r = await interrupted('SIGINT', ['--force']);
  expect(r.code).toBe(130);
  expect(temporaries().names).toEqual([]);
  expect(fs.readdirSync(out)).toEqual(['keep.txt']);
}, 60_000);
