import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { PageLoader } from "../components/feedback";
import { homePath, useSession } from "./session";

type Requirement = "any" | "admin" | "user" | "org_admin";

/** Renders its children only for a signed-in principal of the required kind; redirects otherwise. */
export function RequireAuth({ need, children }: { need: Requirement; children: ReactNode }) {
  const { status, principal } = useSession();
  const location = useLocation();
  if (status === "loading") return <PageLoader />;
  if (!principal) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  // The first administrator sets a password and an e-mail address before anything else.
  if (principal.kind === "admin" && principal.setupRequired) return <Navigate to="/setup" replace />;
  const allowed =
    need === "any" ||
    (need === "admin" && principal.kind === "admin") ||
    (need === "user" && principal.kind === "user") ||
    (need === "org_admin" && principal.kind === "user" && principal.role === "org_admin");
  if (!allowed) return <Navigate to={homePath(principal)} replace />;
  return <>{children}</>;
}

/** `/` sends each principal to its portal, and everyone else to the sign-in page. */
export function HomeRedirect() {
  const { status, principal } = useSession();
  if (status === "loading") return <PageLoader />;
  return <Navigate to={principal ? homePath(principal) : "/login"} replace />;
}
