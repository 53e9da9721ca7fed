// A real redis-server for the scale-out tests: on a free port of 127.0.0.1,
// nothing saved to disk, stopped (killed) by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';

export interface RedisServer {
  port: number;
  url(db?: number): string;
  stop(): Promise<void>;
}

/** A port nothing listens on now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on the port. */
async function waitForPort(port: number, process: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (process.exitCode !== null) throw new Error(`redis-server exited with code ${process.exitCode}: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.end(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on port ${port} within 10 s: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Not the sanitizer runtime test:asan preloads into node and its children.
    env: { ...process.env, LD_PRELOAD: '' },
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const failed = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(`redis-server could not start (${e.message}); install it: apt-get install redis-server`))));
  await Promise.race([waitForPort(port, child, () => log), failed]);
  return {
    port,
    url: (db = 0) => `redis://127.0.0.1:${port}/${db}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
