// A promise for "this term (or this process) is ending", for loops that otherwise only sleep.

export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    signal.addEventListener(
      'abort',
      () => {
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * signal.aborted, read through a call: TypeScript narrows a property it has just checked and would
 * call a re-check after an await "always false", which it is not.
 */
export function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
