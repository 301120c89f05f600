import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { isApiError, onUnauthenticated, setCsrfToken } from "../api/client";
import { authApi } from "../api/endpoints";
import type { Principal, SessionResponse, UserPrincipal } from "../api/types";
import { changeLocale } from "../i18n";

type SessionStatus = "loading" | "anonymous" | "authenticated";

interface SessionContextValue {
  status: SessionStatus;
  principal: Principal | null;
  /** Stores the answer of a successful login and switches the UI to the user's language. */
  signIn: (response: SessionResponse) => Promise<void>;
  signOut: () => Promise<void>;
  /** Re-reads the session from the server (after maintenance, for example). Throws what the probe throws. */
  refresh: () => Promise<void>;
  setPrincipal: (principal: Principal) => void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

/** Where a principal lands after signing in, or when it opens `/`. */
export function homePath(principal: Principal): string {
  return principal.kind === "admin" ? "/host" : "/org";
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<SessionStatus>("loading");
  const [principal, setPrincipalState] = useState<Principal | null>(null);

  const becomeAnonymous = useCallback(() => {
    setCsrfToken(null);
    setPrincipalState(null);
    setStatus("anonymous");
    queryClient.clear();
  }, [queryClient]);

  const refresh = useCallback(async () => {
    try {
      const session = await authApi.session();
      setCsrfToken(session.csrfToken);
      setPrincipalState(session.principal);
      setStatus("authenticated");
    } catch (error) {
      // A 401 just means "not signed in". During maintenance the state stays unknown ("loading")
      // behind the maintenance screen until the probe succeeds.
      if (isApiError(error) && error.status === 401) {
        becomeAnonymous();
        return;
      }
      if (isApiError(error, "maintenance")) throw error;
      setStatus((current) => (current === "loading" ? "anonymous" : current));
      throw error;
    }
  }, [becomeAnonymous]);

  useEffect(() => {
    refresh().catch(() => undefined);
  }, [refresh]);

  useEffect(() => onUnauthenticated(becomeAnonymous), [becomeAnonymous]);

  const signIn = useCallback(
    async (response: SessionResponse) => {
      queryClient.clear();
      setCsrfToken(response.csrfToken);
      setPrincipalState(response.principal);
      setStatus("authenticated");
      await changeLocale(response.principal.locale);
    },
    [queryClient],
  );

  const signOut = useCallback(async () => {
    try {
      await authApi.logout();
    } finally {
      becomeAnonymous();
    }
  }, [becomeAnonymous]);

  const value = useMemo<SessionContextValue>(
    () => ({ status, principal, signIn, signOut, refresh, setPrincipal: setPrincipalState }),
    [status, principal, signIn, signOut, refresh],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession must be used inside <SessionProvider>");
  return value;
}

/** The signed-in principal; only for components rendered behind a route guard. */
export function usePrincipal(): Principal {
  const { principal } = useSession();
  if (!principal) throw new Error("usePrincipal needs a signed-in principal");
  return principal;
}

/** The signed-in organization user; only for pages behind `RequireAuth need="user"`. */
export function useUserPrincipal(): UserPrincipal {
  const principal = usePrincipal();
  if (principal.kind !== "user") throw new Error("useUserPrincipal needs an organization user");
  return principal;
}
