import { useEffect, useState } from 'react';
import type { SessionState } from '../src/session/state.js';

/** What the hook needs of the store: the latest state and a subscription to its publishes. */
export interface StateSource {
  getState(): SessionState;
  /** Returns the unsubscribe function. */
  subscribe(listener: (state: SessionState) => void): () => void;
}

/**
 * The store's latest published state. Subscribes once per store and unsubscribes on unmount;
 * the store publishes at its own fixed rate, so this re-renders at most that often.
 */
export function useSessionState(source: StateSource): SessionState {
  const [state, setState] = useState(() => source.getState());
  useEffect(() => {
    setState(source.getState());
    return source.subscribe(setState);
  }, [source]);
  return state;
}
