import { useTranslation } from "react-i18next";
import { orgApi } from "../../api/endpoints";
import { useUserPrincipal } from "../../app/session";
import { PageHeader } from "../../components/PageHeader";
import { TenantsPanel } from "../../features/tenants/TenantsPanel";

export default function OrgTenantsPage() {
  const { t } = useTranslation();
  const principal = useUserPrincipal();
  return (
    <>
      <PageHeader title={t("tenants.title")} description={t("tenants.description")} />
      <TenantsPanel endpoints={orgApi.tenants(principal.organization.slug)} />
    </>
  );
}
