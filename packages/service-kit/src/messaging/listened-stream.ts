import type { EventEmitter } from 'node:events';

/** A consumer's `consume` in the library's callback form, with its options bound. */
export type ConsumeWithCallback<S> = (callback: (error: Error | null, stream?: S) => void) => void;

/**
 * Opens a consumer's stream with an 'error' listener on it from the tick it is created in.
 *
 * The library builds the stream and calls back at once, while the stream's construction (listing
 * the topic's offsets) runs on the next tick. With the promise form, whose continuation runs only
 * after that tick, a construction failing at once (the consumer closed by a stop during the join:
 * "Client is closed") emitted 'error' with nobody listening: a draining instance crashed in its
 * shutdown before it deregistered, its registration stayed in Consul in maintenance, and the
 * next instance given its id registered over it (deploy-rolling: a drained instance of the old
 * release still listed after the deploy).
 */
export function openListenedStream<S extends EventEmitter>(consume: ConsumeWithCallback<S>): Promise<{ stream: S; earlyFailure: () => unknown }> {
  return new Promise((resolve, reject) => {
    consume((error, stream) => {
      if (error || !stream) {
        reject(error ?? new Error('the consumer returned no stream'));
        return;
      }
      let early: unknown;
      stream.on('error', (err: unknown) => (early ??= err));
      resolve({ stream, earlyFailure: () => early });
    });
  });
}
