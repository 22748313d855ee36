/** A tiny typed event emitter. */
export class Emitter<Events extends { [name: string]: (...args: never[]) => void }> {
  private readonly handlers = new Map<keyof Events, Set<(...args: never[]) => void>>();

  /** Listen to `name`; returns the unsubscribe. */
  on<E extends keyof Events>(name: E, handler: Events[E]): () => void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** @internal */
  emit<E extends keyof Events>(name: E, ...args: Parameters<Events[E]>): void {
    for (const handler of [...(this.handlers.get(name) ?? [])]) {
      try {
        (handler as (...values: Parameters<Events[E]>) => void)(...args);
      } catch (error) {
        console.error(`chat client: a ${String(name)} handler threw`, error);
      }
    }
  }
}
