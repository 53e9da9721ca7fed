import IORedis from 'ioredis';

import { ExperimentError } from '../cli/experiment';

/** The BullMQ queue every coordinator and worker of one Redis database shares. */
export const QUEUE_NAME = 'spiking-runs';

/** Where the queue lives: redis://HOST:PORT[/DB]. */
export interface QueueTarget {
  url: string;
  host: string;
  port: number;
  db: number;
}

/** Parses --queue; the message names the option, what it expects and what it received. */
export function parseQueueUrl(url: string, option = '--queue'): QueueTarget {
  const bad = (why: string): never => {
    throw new ExperimentError(`${option}: expected redis://HOST:PORT or redis://HOST:PORT/DB (${why}) but received ${JSON.stringify(url)}`);
  };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return bad('not a URL');
  }
  if (parsed.protocol !== 'redis:') bad(`the scheme must be redis:, not ${parsed.protocol}`);
  if (!parsed.hostname) bad('no host');
  if (parsed.username || parsed.password || parsed.search || parsed.hash) bad('no user, password, query or fragment');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) bad('the database is a whole number');
  const db = dbText === '' ? 0 : Number(dbText);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { url, host, port, db };
}

/** Default of --redis-wait: how long a coordinator waits for a lost Redis to come back (s). */
export const DEFAULT_REDIS_WAIT = 20;

/**
 * The retry policy of a coordinator (spiking run --queue): a lost connection
 * is retried every 0.25 s, 0.5 s, ... at most 1 s apart, and commands wait
 * for it; once Redis has been gone for `waitSeconds` the connection is given
 * up, every waiting command fails and the run stops with an error.
 */
export function coordinatorConnection(target: QueueTarget, waitSeconds = DEFAULT_REDIS_WAIT): Record<string, unknown> {
  let downSince = 0;
  return {
    host: target.host,
    port: target.port,
    db: target.db,
    connectTimeout: 5000,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => {
      if (times === 1) downSince = Date.now();
      return Date.now() - downSince >= waitSeconds * 1000 ? null : Math.min(times * 250, 1000);
    },
  };
}

/**
 * A worker keeps reconnecting as long as it runs (BullMQ's policy: waits of
 * e^n ms, at least 1 s and at most 20 s), so that it outlives a Redis restart.
 */
export function workerConnection(target: QueueTarget): Record<string, unknown> {
  return { host: target.host, port: target.port, db: target.db, connectTimeout: 5000, maxRetriesPerRequest: null };
}

/** Connects once and pings: a clear error when nothing answers at the address. */
export async function checkReachable(target: QueueTarget, option = '--queue'): Promise<void> {
  const client = new IORedis({ host: target.host, port: target.port, db: target.db, connectTimeout: 3000, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let lastError: Error | null = null;
  client.on('error', (e: Error) => (lastError = e));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const why = (lastError as Error | null)?.message ?? (e as Error).message;
    throw new ExperimentError(`${option} ${target.url}: no Redis server answers there (${why}); start one (redis-server) or fix the address`);
  } finally {
    // A connection that failed has ended already (disconnecting it would arm a 2 s timer).
    if (client.status !== 'end') client.disconnect();
  }
}
