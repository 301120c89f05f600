import { IconCertificate } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { orgApi } from "../../api/endpoints";
import { useUserPrincipal } from "../../app/session";
import { EmptyPanel } from "../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { PageHeader } from "../../components/PageHeader";
import { LicenseTable } from "../../features/licenses/LicenseTable";

/** The organization's tenants with robot slots and expiry, read-only (system administrators allocate them). */
export default function OrgLicensesPage() {
  const { t } = useTranslation();
  const me = useUserPrincipal();
  const org = me.organization.slug;
  const query = useQuery({ queryKey: ["orgs", org, "licenses"], queryFn: () => orgApi.licenses(org) });
  return (
    <>
      <PageHeader title={t("licenses.title")} description={t("licenses.orgDescription")} />
      <Panel>
        {query.isPending ? <PageLoader /> : null}
        {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
        {query.data && query.data.items.length === 0 ? (
          <EmptyPanel icon={<IconCertificate size={32} />} title={t("licenses.empty")} />
        ) : null}
        {query.data && query.data.items.length > 0 ? (
          <div data-testid="org-licenses">
            <LicenseTable licenses={query.data.items} />
          </div>
        ) : null}
      </Panel>
    </>
  );
}
