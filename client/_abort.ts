/**
 * One abort listener per signal, however many waits share it: a signal
 * passed to many concurrent requests would otherwise carry one listener
 * each, and Node warns of a leak past ten.
 *
 * @module
 */

/** The waits on one signal, and the one listener that serves them. */
interface Waits {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

const bySignal = new WeakMap<AbortSignal, Waits>();

/**
 * Calls `callback` once when `signal` aborts. The caller checks
 * `signal.aborted` first: for a signal already aborted this does nothing.
 *
 * @param signal The signal.
 * @param callback Runs at the abort, at most once.
 * @returns Removes the callback (and the signal's listener with the last
 *   one); calling it again does nothing.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  if (signal.aborted) return () => {};
  let found = bySignal.get(signal);
  if (!found) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      bySignal.delete(signal);
      for (const f of [...callbacks]) f();
      callbacks.clear();
    };
    found = { callbacks, listener };
    bySignal.set(signal, found);
    signal.addEventListener("abort", listener, { once: true });
  }
  // A wrapper per call, so the same function added twice is two waits.
  const entry = () => callback();
  const waits = found;
  const { callbacks, listener } = waits;
  callbacks.add(entry);
  return () => {
    if (!callbacks.delete(entry) || callbacks.size > 0) return;
    // The listener goes with the last wait; a later wait adds a new one.
    if (bySignal.get(signal) === waits) bySignal.delete(signal);
    signal.removeEventListener("abort", listener);
  };
}
