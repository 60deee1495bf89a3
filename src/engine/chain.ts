/** A composed chain of small (ctx, next) handlers, as in grammY: each handler may answer or pass the turn on. */
export type Handler<C> = (ctx: C, next: () => Promise<void>) => Promise<void> | void;

export function compose<C>(handlers: Handler<C>[]): (ctx: C) => Promise<void> {
  return (ctx) => {
    const run = async (i: number): Promise<void> => {
      const h = handlers[i];
      if (!h) return;
      let called = false;
      await h(ctx, () => {
        if (called) throw new Error(`handler ${i} called next() twice`);
        called = true;
        return run(i + 1);
      });
    };
    return run(0);
  };
}
