// The `spiking` process: the command runs in a worker thread, so that the
// main thread stays free to answer SIGINT (Ctrl-C) and SIGTERM whatever the
// command is doing. On a signal it asks the worker to abort: the run's
// AbortSignal stops Network.runAsync at its next step boundary (within
// 100 ms), the run rejects and its temporary output folder is removed
// (output-dir.ts: a run that does not finish leaves nothing). A worker still
// busy ABORT_GRACE_MS later (a command with nothing to abort, a network
// stepped in JavaScript), or a second signal, is terminated. Then it removes
// whatever temporary files are left and exits 130 (SIGINT) or 143 (SIGTERM),
// as shells expect. Output, progress and the exit code come back as
// messages, in order.
import * as os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

import { mainAsync } from './commands';
import { terminalProgress, type Io, type Progress } from './local-run';
import { removeTemporaries } from './output-dir';

/** From the main thread: abort the command (a signal arrived). */
interface Abort {
  kind: 'abort';
  signal: NodeJS.Signals;
}

/** How long an aborted worker may take to stop by itself before it is terminated. */
export const ABORT_GRACE_MS = 2000;

type Message =
  | { kind: 'out' | 'err'; text: string }
  | { kind: 'progress'; call: 'start'; total: number; label: string }
  | { kind: 'progress'; call: 'update'; done: number }
  | { kind: 'progress'; call: 'stop' }
  | { kind: 'output'; target: string }
  | { kind: 'exit'; code: number };

interface Data {
  role: 'spiking-cli';
  argv: string[];
  progress: boolean;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Runs the CLI with argv in a worker thread; resolves with the exit code (130 / 143 after a signal). */
export function runSupervised(argv: readonly string[]): Promise<number> {
  const data: Data = { role: 'spiking-cli', argv: [...argv], progress: process.stderr.isTTY === true };
  const worker = new Worker(__filename, { workerData: data });
  let bar: Progress | null = null;
  const targets = new Set<string>();
  let code: number | null = null;
  let stopping: NodeJS.Signals | null = null;

  worker.on('message', (m: Message) => {
    switch (m.kind) {
      case 'out':
        process.stdout.write(m.text);
        break;
      case 'err':
        process.stderr.write(m.text);
        break;
      case 'output':
        targets.add(m.target);
        break;
      case 'exit':
        code = m.code;
        break;
      case 'progress':
        if (m.call === 'start') (bar = terminalProgress()).start(m.total, m.label);
        else if (m.call === 'update') bar?.update(m.done);
        else bar?.stop();
    }
  });

  return new Promise((resolve) => {
    let grace: NodeJS.Timeout | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        void worker.terminate(); // a second Ctrl-C: stop now (the temporaries are removed on exit all the same)
        return;
      }
      stopping = signal;
      worker.postMessage({ kind: 'abort', signal } satisfies Abort);
      grace = setTimeout(() => void worker.terminate(), ABORT_GRACE_MS);
    };
    for (const s of SIGNALS) process.on(s, onSignal);
    worker.once('error', (e) => {
      process.stderr.write(`spiking: error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      code = 1;
    });
    worker.once('exit', () => {
      if (grace) clearTimeout(grace);
      bar?.stop();
      if (stopping) {
        for (const target of targets) removeTemporaries(target);
        process.stderr.write(`\nspiking: stopped by ${stopping}${targets.size ? '; the unfinished output was removed' : ''}\n`);
        code = 128 + os.constants.signals[stopping];
      }
      for (const s of SIGNALS) process.off(s, onSignal);
      resolve(code ?? 1);
    });
  });
}

/** The worker side: mainAsync() with its output, progress and exit code posted to the main thread, stopped through an AbortSignal. */
function runInWorker(data: Data): void {
  const post = (m: Message) => parentPort!.postMessage(m);
  const controller = new AbortController();
  parentPort!.on('message', (m: Abort) => {
    if (m.kind === 'abort') controller.abort(m.signal);
  });
  parentPort!.unref(); // listening does not keep the worker alive once the command is done
  const progress: Progress = {
    start: (total, label) => post({ kind: 'progress', call: 'start', total, label }),
    update: (done) => post({ kind: 'progress', call: 'update', done }),
    stop: () => post({ kind: 'progress', call: 'stop' }),
  };
  const io: Io = {
    out: (text) => post({ kind: 'out', text }),
    err: (text) => post({ kind: 'err', text }),
    progress: data.progress ? progress : false,
    outputFolder: (target) => post({ kind: 'output', target }),
    signal: controller.signal,
  };
  void mainAsync(data.argv, io).then((code) => post({ kind: 'exit', code }));
}

if (!isMainThread && (workerData as Data | undefined)?.role === 'spiking-cli') runInWorker(workerData as Data);
