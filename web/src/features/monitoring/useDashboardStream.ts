import { useEffect, useState } from "react";
import { API_BASE } from "../../api/client";

export type StreamStatus = "connecting" | "live" | "reconnecting";

/**
 * Subscribes to a dashboard's server-sent events (`snapshot` events carry the whole dashboard)
 * and returns the newest one. The browser's EventSource reconnects by itself when the stream
 * drops (the server also ends it every 15 minutes); nothing here polls.
 */
export function useDashboardStream<T>(path: string): { data: T | null; status: StreamStatus } {
  const [data, setData] = useState<T | null>(null);
  const [status, setStatus] = useState<StreamStatus>("connecting");
  useEffect(() => {
    setStatus("connecting");
    const source = new EventSource(`${API_BASE}${path}`, { withCredentials: true });
    source.addEventListener("snapshot", (event) => {
      setData(JSON.parse((event as MessageEvent<string>).data) as T);
      setStatus("live");
    });
    source.onerror = () => setStatus("reconnecting");
    return () => source.close();
  }, [path]);
  return { data, status };
}
