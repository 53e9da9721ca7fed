// The `spiking` process: the command runs in a worker thread, so that the
// main thread stays free to answer SIGINT (Ctrl-C) and SIGTERM while a long
// synchronous run goes on. On a signal it stops the worker, removes the
// output folder's temporary files (output-dir.ts: a run that does not finish
// leaves nothing) and exits 130 (SIGINT) or 143 (SIGTERM), as shells expect.
// Output, progress and the exit code come back as messages, in order.
import * as os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

import { mainAsync } from './commands';
import { terminalProgress, type Io, type Progress } from './local-run';
import { removeTemporaries } from './output-dir';

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
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return; // a second Ctrl-C while cleaning up: the cleanup goes on
      stopping = signal;
      void worker.terminate();
    };
    for (const s of SIGNALS) process.on(s, onSignal);
    worker.once('error', (e) => {
      process.stderr.write(`spiking: error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      code = 1;
    });
    worker.once('exit', () => {
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

/** The worker side: main() with its output, progress and exit code posted to the main thread. */
function runInWorker(data: Data): void {
  const post = (m: Message) => parentPort!.postMessage(m);
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
  };
  void mainAsync(data.argv, io).then((code) => post({ kind: 'exit', code }));
}

if (!isMainThread && (workerData as Data | undefined)?.role === 'spiking-cli') runInWorker(workerData as Data);
