// Which ClickHouse failures are worth retrying. Transport failures and the server's "try later"
// codes are; syntax, type and parse errors are not (retrying them only repeats the failure).

// Codes from ClickHouse's ErrorCodes.cpp that mean the cluster, not the statement, is at fault.
const RETRYABLE_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  164, // READONLY (replica lost its ZooKeeper session)
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  225, // NO_ZOOKEEPER
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  279, // ALL_CONNECTION_TRIES_FAILED
  285, // TOO_FEW_LIVE_REPLICAS
  286, // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
  319, // UNKNOWN_STATUS_OF_INSERT
  999, // KEEPER_EXCEPTION
]);

const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'UND_ERR_SOCKET']);

export function clickhouseErrorCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  // Servers before the client's time (18.16) answer "Code: 47, e.displayText() = ...", which the
  // client does not parse into `code`.
  const match = err instanceof Error ? /^Code: (\d+), e\.displayText\(\)/.exec(err.message) : null;
  return match === null ? undefined : Number(match[1]);
}

export function isRetryableClickHouseError(err: unknown): boolean {
  const ch = clickhouseErrorCode(err);
  if (ch !== undefined) return RETRYABLE_CODES.has(ch);
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSPORT_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /timeout|socket hang up|ECONNREFUSED|ECONNRESET/i.test(message);
}
