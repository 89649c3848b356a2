/**
 * Several client ports behind one ClientListener (clientPort and secureClientPort both set):
 * the server accepts from all of them alike.
 */
import type { ClientListener } from './client-socket.js';

export function combineListeners(listeners: readonly ClientListener[]): ClientListener {
  return {
    async listen(accept) {
      const bound = [];
      try {
        for (const listener of listeners) bound.push(await listener.listen(accept));
      } catch (error) {
        await Promise.all(listeners.map((listener) => listener.close()));
        throw error;
      }
      const first = bound[0];
      if (first === undefined) throw new Error('no client port to listen on');
      return first;
    },
    async close() {
      await Promise.all(listeners.map((listener) => listener.close()));
    },
  };
}
