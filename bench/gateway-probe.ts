/**
 * The gateway's program (`npm run gateway`) as bench/gateway.ts runs it: started with `--expose-gc` and an IPC
 * channel, it answers each "memory" message with its memory figures after a full garbage collection (`global.gc()`),
 * and the figures before it, so the benchmark tells a leak (heapUsed after gc keeps growing) from memory V8 holds
 * but could free (RSS above a flat heap). Nothing of this is in the gateway itself.
 */
const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
const figures = () => {
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers) };
};
process.on("message", (msg) => {
  if (msg !== "memory") return;
  const before = figures();
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: objects freed by the first collection's finalizers go in the second.
  gc?.();
  gc?.();
  process.send?.({ before, after: figures(), gc: Boolean(gc) });
});
// The IPC channel must not keep the gateway alive on its own once it stops.
process.channel?.unref();
await import("../src/gateway/main.js");

export {};
