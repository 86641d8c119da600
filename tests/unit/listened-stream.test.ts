import { Readable } from 'node:stream';
import { openListenedStream } from '@platform/service-kit/dist/messaging/listened-stream';

/** A stream built as the Kafka client builds one on a consumer closed during its join: its construction fails on the next tick. */
const failingToConstruct = (): Readable =>
  new Readable({
    construct: (callback) => callback(new Error('Client is closed.')),
    read: () => undefined,
  });

test('a stream whose construction fails on the tick after the consumer hands it over is heard, not thrown', async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => void uncaught.push(err);
  // Jest reports an uncaught exception of the code under test as this listener's catch.
  process.on('uncaughtException', onUncaught);
  try {
    // As the client does, from an I/O callback (the join's answer): the ticks queued then run before any promise continuation.
    const { stream, earlyFailure } = await openListenedStream<Readable>((done) => setImmediate(() => done(null, failingToConstruct())));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.destroyed).toBe(true);
    expect(earlyFailure()).toMatchObject({ message: 'Client is closed.' });
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});

test('a consumer that cannot open its stream rejects with its error', async () => {
  await expect(openListenedStream<Readable>((done) => done(new Error('group coordinator not available')))).rejects.toThrow('group coordinator not available');
});
