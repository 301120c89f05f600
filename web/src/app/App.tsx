import { lazy, type ReactNode, Suspense } from "react";
import { Route, Routes } from "react-router";
import { PageLoader } from "../components/feedback";
import { PortalLayout } from "../components/PortalLayout";
import { HomeRedirect, RequireAuth } from "./guards";

// Each page is its own chunk, so the sign-in page does not carry the whole portal.
const LoginPage = lazy(() => import("../pages/LoginPage"));
const NotFoundPage = lazy(() => import("../pages/NotFoundPage"));
const ProfilePage = lazy(() => import("../pages/ProfilePage"));
const DashboardPage = lazy(() => import("../pages/host/DashboardPage"));
const OrganizationsPage = lazy(() => import("../pages/host/OrganizationsPage"));
const OrganizationDetailPage = lazy(() => import("../pages/host/OrganizationDetailPage"));
const AdministratorsPage = lazy(() => import("../pages/host/AdministratorsPage"));
const HostAuditPage = lazy(() => import("../pages/host/HostAuditPage"));
const MaintenancePage = lazy(() => import("../pages/host/MaintenancePage"));
const SecuritySettingsPage = lazy(() => import("../pages/host/SecuritySettingsPage"));
const OrgOverviewPage = lazy(() => import("../pages/org/OrgOverviewPage"));
const OrgUsersPage = lazy(() => import("../pages/org/OrgUsersPage"));
const OrgTenantsPage = lazy(() => import("../pages/org/OrgTenantsPage"));
const OrgAuditPage = lazy(() => import("../pages/org/OrgAuditPage"));

export function App() {
  return (
    <Suspense fallback={<PageLoader />}>
      <Routes>
        <Route path="/" element={<HomeRedirect />} />
        <Route path="/login" element={<LoginPage />} />
        <Route
          element={
            <RequireAuth need="any">
              <PortalLayout />
            </RequireAuth>
          }
        >
          <Route path="/profile" element={<ProfilePage />} />
          <Route path="/host">
            <Route index element={<Guarded need="admin" page={<DashboardPage />} />} />
            <Route path="organizations" element={<Guarded need="admin" page={<OrganizationsPage />} />} />
            <Route path="organizations/:org" element={<Guarded need="admin" page={<OrganizationDetailPage />} />} />
            <Route path="administrators" element={<Guarded need="admin" page={<AdministratorsPage />} />} />
            <Route path="audit" element={<Guarded need="admin" page={<HostAuditPage />} />} />
            <Route path="maintenance" element={<Guarded need="admin" page={<MaintenancePage />} />} />
            <Route path="settings/security" element={<Guarded need="admin" page={<SecuritySettingsPage />} />} />
          </Route>
          <Route path="/org">
            <Route index element={<Guarded need="user" page={<OrgOverviewPage />} />} />
            <Route path="users" element={<Guarded need="org_admin" page={<OrgUsersPage />} />} />
            <Route path="tenants" element={<Guarded need="org_admin" page={<OrgTenantsPage />} />} />
            <Route path="audit" element={<Guarded need="org_admin" page={<OrgAuditPage />} />} />
          </Route>
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

function Guarded({ need, page }: { need: "admin" | "user" | "org_admin"; page: ReactNode }) {
  return <RequireAuth need={need}>{page}</RequireAuth>;
}
