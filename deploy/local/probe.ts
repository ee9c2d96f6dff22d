// Network probes with short timeouts: TCP connect, HTTP GET, and ZooKeeper four-letter words.
import { connect } from 'node:net';

/** Resolves true when something accepts a TCP connection on host:port. */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolvePromise(open);
    };
    socket.setTimeout(timeoutMs, () => {
      done(false);
    });
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
  });
}

/** Body of a successful GET, or null on any failure (refused, timeout, non-2xx). */
export async function httpText(url: string, timeoutMs = 2000): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    return res.ok ? body : null;
  } catch {
    return null;
  }
}

/** Sends a ZooKeeper four-letter word (e.g. `ruok`) and returns the whole answer, or null. */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 2000): Promise<string | null> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host, port });
    let answer = '';
    let settled = false;
    const done = (value: string | null): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolvePromise(value);
    };
    socket.setTimeout(timeoutMs, () => {
      done(null);
    });
    socket.once('connect', () => socket.write(word));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.once('end', () => {
      done(answer);
    });
    socket.once('error', () => {
      done(null);
    });
  });
}
