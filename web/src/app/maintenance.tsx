import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { type ApiError, isApiError, onMaintenance } from "../api/client";
import { MaintenanceScreen } from "../components/MaintenanceScreen";
import { useSession } from "./session";

interface MaintenanceContextValue {
  /** The 503 answer that put the UI into maintenance, or null. */
  error: ApiError | null;
  dismiss: () => void;
}

const MaintenanceContext = createContext<MaintenanceContextValue | null>(null);

/**
 * Shows the full-page maintenance screen instead of the app as soon as any request is answered
 * with `503 maintenance` (docs: API.md, orchestrator-spec §2.5), until a retry gets through.
 */
export function MaintenanceGate({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const session = useSession();
  const [error, setError] = useState<ApiError | null>(null);
  const [retrying, setRetrying] = useState(false);

  useEffect(() => onMaintenance(setError), []);

  const dismiss = useCallback(() => setError(null), []);

  const retry = useCallback(async () => {
    setRetrying(true);
    try {
      await session.refresh();
      setError(null);
      await queryClient.invalidateQueries();
    } catch (err) {
      // Still under maintenance: the listener has already stored the fresh answer.
      if (!isApiError(err, "maintenance")) setError(null);
    } finally {
      setRetrying(false);
    }
  }, [session, queryClient]);

  // While the page shows, it checks again by itself: at the announced end (Retry-After), at most a minute apart.
  useEffect(() => {
    if (!error) return;
    const seconds = Math.min(60, Math.max(10, error.retryAfter ?? 60));
    const timer = setTimeout(() => void retry(), seconds * 1000);
    return () => clearTimeout(timer);
  }, [error, retry]);

  const value = useMemo(() => ({ error, dismiss }), [error, dismiss]);
  return (
    <MaintenanceContext.Provider value={value}>
      {error ? <MaintenanceScreen error={error} retrying={retrying} onRetry={retry} onDismiss={dismiss} /> : null}
      {/* The app stays mounted underneath, so a half-filled form survives the maintenance screen. */}
      <div hidden={error !== null}>{children}</div>
    </MaintenanceContext.Provider>
  );
}

export function useMaintenanceGate(): MaintenanceContextValue {
  const value = useContext(MaintenanceContext);
  if (!value) throw new Error("useMaintenanceGate must be used inside <MaintenanceGate>");
  return value;
}
