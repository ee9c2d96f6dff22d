// An AbortSignal that fires when the client disconnects or the request's deadline passes, so the
// ClickHouse query behind a request never outlives the request.
import type { IncomingMessage } from 'node:http';

export function requestSignal(req: IncomingMessage, timeoutMs: number): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new Error('deadline'));
  }, timeoutMs);
  const onClose = (): void => {
    // 'close' also fires after a normal response; only an unfinished one means the client left.
    if (!req.complete || req.socket.destroyed) controller.abort(new Error('client disconnected'));
  };
  req.socket.once('close', onClose);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      req.socket.off('close', onClose);
    },
  };
}
