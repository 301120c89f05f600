import { lazy, type ReactNode, Suspense } from "react";
import { Navigate, Route, Routes } from "react-router";
import { PageLoader } from "../components/feedback";
import { PortalLayout } from "../components/PortalLayout";
import { TenantLayout } from "../features/automation/tenant";
import { HomeRedirect, RequireAuth } from "./guards";

// Each page is its own chunk, so the sign-in page does not carry the whole portal.
const LoginPage = lazy(() => import("../pages/LoginPage"));
const ForgotPasswordPage = lazy(() => import("../pages/ForgotPasswordPage"));
const ResetPasswordPage = lazy(() => import("../pages/ResetPasswordPage"));
const AcceptInvitationPage = lazy(() => import("../pages/AcceptInvitationPage"));
const UnsubscribePage = lazy(() => import("../pages/UnsubscribePage"));
const FirstSignInPage = lazy(() => import("../pages/FirstSignInPage"));
const NotFoundPage = lazy(() => import("../pages/NotFoundPage"));
const ProfilePage = lazy(() => import("../pages/ProfilePage"));
const DashboardPage = lazy(() => import("../pages/host/DashboardPage"));
const OrganizationsPage = lazy(() => import("../pages/host/OrganizationsPage"));
const OrganizationDetailPage = lazy(() => import("../pages/host/OrganizationDetailPage"));
const AdministratorsPage = lazy(() => import("../pages/host/AdministratorsPage"));
const HostAuditPage = lazy(() => import("../pages/host/HostAuditPage"));
const MaintenancePage = lazy(() => import("../pages/host/MaintenancePage"));
const SecuritySettingsPage = lazy(() => import("../pages/host/SecuritySettingsPage"));
const WebhookSettingsPage = lazy(() => import("../pages/host/WebhookSettingsPage"));
const EmailSettingsPage = lazy(() => import("../pages/host/EmailSettingsPage"));
const EmailOutboxPage = lazy(() => import("../pages/host/EmailOutboxPage"));
const LicensesPage = lazy(() => import("../pages/host/LicensesPage"));
const AnnouncementsPage = lazy(() => import("../pages/host/AnnouncementsPage"));
const OrgOverviewPage = lazy(() => import("../pages/org/OrgOverviewPage"));
const OrgUsersPage = lazy(() => import("../pages/org/OrgUsersPage"));
const OrgTenantsPage = lazy(() => import("../pages/org/OrgTenantsPage"));
const OrgAuditPage = lazy(() => import("../pages/org/OrgAuditPage"));
const OrgEmailSettingsPage = lazy(() => import("../pages/org/OrgEmailSettingsPage"));
const OrgEmailOutboxPage = lazy(() => import("../pages/org/OrgEmailOutboxPage"));
const OrgLicensesPage = lazy(() => import("../pages/org/OrgLicensesPage"));
const JobsPage = lazy(() => import("../pages/org/automation/JobsPage"));
const JobDetailPage = lazy(() => import("../pages/org/automation/JobDetailPage"));
const MachinesPage = lazy(() => import("../pages/org/automation/MachinesPage"));
const PackagesPage = lazy(() => import("../pages/org/automation/PackagesPage"));
const ProcessesPage = lazy(() => import("../pages/org/automation/ProcessesPage"));
const FoldersPage = lazy(() => import("../pages/org/automation/FoldersPage"));
const RolesPage = lazy(() => import("../pages/org/automation/RolesPage"));
const QueuesPage = lazy(() => import("../pages/org/automation/QueuesPage"));
const QueueItemsPage = lazy(() => import("../pages/org/automation/QueueItemsPage"));
const QueueItemRedirect = lazy(() =>
  import("../pages/org/automation/QueueItemsPage").then((m) => ({ default: m.QueueItemRedirect })),
);
const AssetsPage = lazy(() => import("../pages/org/automation/AssetsPage"));
const BucketsPage = lazy(() => import("../pages/org/automation/BucketsPage"));
const BucketFilesPage = lazy(() => import("../pages/org/automation/BucketFilesPage"));
const TriggersPage = lazy(() => import("../pages/org/automation/TriggersPage"));
const TriggerDetailPage = lazy(() => import("../pages/org/automation/TriggerDetailPage"));
const CalendarsPage = lazy(() => import("../pages/org/automation/CalendarsPage"));
const WebhooksPage = lazy(() => import("../pages/org/automation/WebhooksPage"));
const WebhookDeliveriesPage = lazy(() => import("../pages/org/automation/WebhookDeliveriesPage"));
const TenantSettingsPage = lazy(() => import("../pages/org/automation/TenantSettingsPage"));
const AlertsPage = lazy(() => import("../pages/org/automation/AlertsPage"));
const AlertPreferencesPage = lazy(() => import("../pages/org/automation/AlertPreferencesPage"));
const MonitoringPage = lazy(() => import("../pages/org/automation/MonitoringPage"));
const HostMonitoringPage = lazy(() => import("../pages/host/HostMonitoringPage"));

export function App() {
  return (
    <Suspense fallback={<PageLoader />}>
      <Routes>
        <Route path="/" element={<HomeRedirect />} />
        <Route path="/login" element={<LoginPage />} />
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        <Route path="/reset-password" element={<ResetPasswordPage />} />
        <Route path="/accept-invitation" element={<AcceptInvitationPage />} />
        <Route path="/unsubscribe" element={<UnsubscribePage />} />
        <Route path="/setup" element={<FirstSignInPage />} />
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
            <Route path="settings/email" element={<Guarded need="admin" page={<EmailSettingsPage />} />} />
            <Route path="settings/webhooks" element={<Guarded need="admin" page={<WebhookSettingsPage />} />} />
            <Route path="email/outbox" element={<Guarded need="admin" page={<EmailOutboxPage />} />} />
            <Route path="licenses" element={<Guarded need="admin" page={<LicensesPage />} />} />
            <Route path="announcements" element={<Guarded need="admin" page={<AnnouncementsPage />} />} />
            <Route path="monitoring" element={<Guarded need="admin" page={<HostMonitoringPage />} />} />
          </Route>
          <Route path="/org">
            <Route index element={<Guarded need="user" page={<OrgOverviewPage />} />} />
            <Route path="users" element={<Guarded need="org_admin" page={<OrgUsersPage />} />} />
            <Route path="tenants" element={<Guarded need="org_admin" page={<OrgTenantsPage />} />} />
            <Route path="audit" element={<Guarded need="org_admin" page={<OrgAuditPage />} />} />
            <Route path="licenses" element={<Guarded need="org_admin" page={<OrgLicensesPage />} />} />
            <Route path="email/outbox" element={<Guarded need="org_admin" page={<OrgEmailOutboxPage />} />} />
            <Route path="settings/email" element={<Guarded need="org_admin" page={<OrgEmailSettingsPage />} />} />
            <Route
              path="t/:tenant"
              element={
                <RequireAuth need="user">
                  <TenantLayout />
                </RequireAuth>
              }
            >
              <Route index element={<Navigate to="jobs" replace />} />
              <Route path="jobs" element={<JobsPage />} />
              <Route path="jobs/:id" element={<JobDetailPage />} />
              <Route path="machines" element={<MachinesPage />} />
              <Route path="packages" element={<PackagesPage />} />
              <Route path="processes" element={<ProcessesPage />} />
              <Route path="folders" element={<FoldersPage />} />
              <Route path="roles" element={<RolesPage />} />
              <Route path="queues" element={<QueuesPage />} />
              <Route path="queues/:id" element={<QueueItemsPage />} />
              <Route path="queue-items/:id" element={<QueueItemRedirect />} />
              <Route path="assets" element={<AssetsPage />} />
              <Route path="buckets" element={<BucketsPage />} />
              <Route path="buckets/:id" element={<BucketFilesPage />} />
              <Route path="triggers" element={<TriggersPage />} />
              <Route path="triggers/:id" element={<TriggerDetailPage />} />
              <Route path="calendars" element={<CalendarsPage />} />
              <Route path="webhooks" element={<WebhooksPage />} />
              <Route path="webhooks/:id" element={<WebhookDeliveriesPage />} />
              <Route path="settings" element={<TenantSettingsPage />} />
              <Route path="alerts" element={<AlertsPage />} />
              <Route path="alerts/preferences" element={<AlertPreferencesPage />} />
              <Route path="monitoring" element={<MonitoringPage />} />
            </Route>
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
