/**
 * A service's events, typed by name: what it tells the rest of FMS instead of calling it back. An
 * alarm service announces "raised" and the work-order service, listening, opens the order; the rule
 * engine, listening, forgets a held-back alarm — neither service imports the other.
 *
 * Listeners run one after another, in the order they subscribed, and `emit` resolves when the last
 * is done: a service that awaits `emit` keeps its own ordering guarantees (one fault, one work order).
 * A listener that fails is reported to `onError` and the others still run.
 */
export type Listener<T> = (payload: T) => void | Promise<void>;

export interface EventSource<E> {
  /** Calls `listener` for every event `name`, until the returned function is called. */
  on<K extends keyof E & string>(name: K, listener: Listener<E[K]>): () => void;
}

export interface Events<E> extends EventSource<E> {
  /** Runs every listener of `name` in turn. */
  emit<K extends keyof E & string>(name: K, payload: E[K]): Promise<void>;
}

export function createEvents<E>(onError: (name: string, err: unknown) => void): Events<E> {
  const listeners = new Map<string, Listener<never>[]>();
  return {
    on(name, listener) {
      const list = listeners.get(name) ?? [];
      list.push(listener as Listener<never>);
      listeners.set(name, list);
      return () => {
        const at = list.indexOf(listener as Listener<never>);
        if (at >= 0) list.splice(at, 1);
      };
    },
    async emit(name, payload) {
      const list = listeners.get(name);
      if (!list) return;
      for (const listener of [...list]) {
        try {
          await (listener as Listener<typeof payload>)(payload);
        } catch (err) {
          onError(name, err);
        }
      }
    },
  };
}
