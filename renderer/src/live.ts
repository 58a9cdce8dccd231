import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiFailure, get } from './api';

export type Topic = 'registrations' | 'calls' | 'cdr' | 'users' | 'status' | 'phones' | 'voicemail';

type Listener = (topics: Topic[]) => void;
const listeners = new Set<Listener>();
let source: EventSource | undefined;
let connected = false;
const connectionListeners = new Set<(up: boolean) => void>();

/** One event stream for the whole console; opened on first use, reopened by the browser if it drops. */
function ensureStream(): void {
  if (source) return;
  source = new EventSource('/api/events');
  source.addEventListener('hello', () => setConnected(true));
  source.addEventListener('change', (ev) => {
    let topics: Topic[] = [];
    try {
      topics = (JSON.parse((ev as MessageEvent<string>).data) as { topics: Topic[] }).topics;
    } catch {
      return;
    }
    for (const l of listeners) l(topics);
  });
  source.addEventListener('error', () => {
    setConnected(false);
    // After a restart, everything may have changed: refresh every view once it is back.
    for (const l of listeners) l(['registrations', 'calls', 'cdr', 'users', 'status', 'phones', 'voicemail']);
  });
}

function setConnected(up: boolean): void {
  if (up === connected) return;
  connected = up;
  for (const l of connectionListeners) l(up);
}

export function closeLiveStream(): void {
  source?.close();
  source = undefined;
  setConnected(false);
}

/** Whether live updates are flowing (shown in the header). */
export function useLiveConnected(): boolean {
  const [up, setUp] = useState(connected);
  useEffect(() => {
    connectionListeners.add(setUp);
    return () => {
      connectionListeners.delete(setUp);
    };
  }, []);
  return up;
}

export interface Resource<T> {
  data: T | undefined;
  /** The path `data` was read from: while a new path loads, `data` is still the previous one's. */
  dataPath: string | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Reads `path` and reads it again whenever one of `topics` changes on the engine (server-sent events),
 * so the page stays current without a reload.
 */
export function useLive<T>(path: string | null, topics: Topic[]): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [dataPath, setDataPath] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const topicKey = topics.join(',');

  const reload = useCallback(() => {
    if (path === null) return;
    const mine = ++generation.current;
    setLoading(true);
    get<T>(path).then(
      (d) => {
        if (mine !== generation.current) return;
        setData(d);
        setDataPath(path);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(e instanceof ApiFailure ? e.message : String(e));
        setLoading(false);
      },
    );
  }, [path]);

  useEffect(() => {
    reload();
  }, [reload]);

  useEffect(() => {
    ensureStream();
    const wanted = new Set(topicKey.split(','));
    const l: Listener = (changed) => {
      if (changed.some((t) => wanted.has(t))) reload();
    };
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, [topicKey, reload]);

  return { data, dataPath, error, loading, reload };
}

/** A clock for counters that advance every second (call durations). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}
