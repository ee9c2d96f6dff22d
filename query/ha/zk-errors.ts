// What a failed ZooKeeper call means to Cairn. node-zookeeper-client reports numeric codes; the
// election and the fence only need to tell a few apart, and above all whether a write that failed
// may still have been applied (a timeout or a lost connection says nothing about that).
import { Exception } from 'node-zookeeper-client';

export type ZkErrorCode =
  | 'NO_NODE'
  | 'NODE_EXISTS'
  | 'BAD_VERSION'
  | 'NOT_EMPTY'
  | 'CONNECTION_LOSS'
  | 'SESSION_EXPIRED'
  /** Our own per-call deadline passed; the request may still be applied later. */
  | 'TIMEOUT'
  /** This process gave the session up (closed, or unheard-from past its timeout). */
  | 'SESSION_LOST'
  | 'OTHER';

export class ZkError extends Error {
  constructor(
    readonly code: ZkErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const BY_NUMBER = new Map<number, ZkErrorCode>([
  [Exception.NO_NODE, 'NO_NODE'],
  [Exception.NODE_EXISTS, 'NODE_EXISTS'],
  [Exception.BAD_VERSION, 'BAD_VERSION'],
  [Exception.NOT_EMPTY, 'NOT_EMPTY'],
  [Exception.CONNECTION_LOSS, 'CONNECTION_LOSS'],
  [Exception.SESSION_EXPIRED, 'SESSION_EXPIRED'],
  [Exception.OPERATION_TIMEOUT, 'TIMEOUT'],
]);

/** Converts whatever the client library called back with into a ZkError naming the call. */
export function toZkError(err: unknown, what: string): ZkError {
  if (err instanceof ZkError) return err;
  const numeric = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number' ? err.code : undefined;
  const code = numeric === undefined ? 'OTHER' : (BY_NUMBER.get(numeric) ?? 'OTHER');
  const detail = err instanceof Error ? err.message : String(err);
  return new ZkError(code, `ZooKeeper ${what}: ${detail}`, { cause: err });
}

export function zkCode(err: unknown): ZkErrorCode | undefined {
  return err instanceof ZkError ? err.code : undefined;
}

/** A write that failed this way may or may not have been applied. */
export function outcomeUnknown(err: unknown): boolean {
  const code = zkCode(err);
  return code === 'TIMEOUT' || code === 'CONNECTION_LOSS';
}

/** Worth another attempt on the same session (reads and idempotent writes only). */
export function isTransientZkError(err: unknown): boolean {
  return outcomeUnknown(err);
}
