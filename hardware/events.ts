// Helpers for the typed EventEmitters of the hardware layer and of the device that builds on it.

/** The part of an EventEmitter whose event map has `error: [error: E]` that `emitRecoverableError` uses. */
export interface ErrorEmitter<E extends Error> {
  listenerCount(eventName: 'error'): number;
  emit(eventName: 'error', error: E): boolean;
}

/**
 * Emits `error` only when someone listens: an `error` nobody hears would throw and stop the program, and the errors
 * passed here are ones the emitter recovers from by itself (the caller logs them).
 */
export function emitRecoverableError<E extends Error>(emitter: ErrorEmitter<E>, error: E): void {
  if (emitter.listenerCount('error') > 0) emitter.emit('error', error);
}
