// A minimal typed event emitter for the Node-only parts of the extension (store, supervisor), so they can be
// unit-tested without 'vscode'. Listeners return a disposer; a throwing listener does not stop the others.
export type Listener<T> = (value: T) => void;

export interface Disposable {
  dispose(): void;
}

export class Emitter<T> {
  private listeners = new Set<Listener<T>>();

  /** Subscribes; dispose() the result to unsubscribe. Shaped like vscode.Event so it can be passed where one is expected. */
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (err) {
        console.error('[see2think] event listener failed:', err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
