import { Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { Trans, useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import type { Organization } from "../../api/types";
import type { ConfirmRequest } from "../../components/ConfirmModal";
import { useErrorText } from "../../lib/errors";

/** Disable/enable and delete an organization, each behind the fitting confirmation. */
export function useOrganizationActions(confirm: (request: ConfirmRequest) => void, onDeleted?: () => void) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["host"] });

  const setStatus = async (org: Organization, status: Organization["status"]) => {
    await hostApi.updateOrganization(org.slug, { status });
    await refresh();
  };

  return {
    toggleStatus(org: Organization) {
      if (org.status === "disabled") {
        setStatus(org, "active").then(
          () => notifications.show({ color: "teal", message: t("organizations.enabled", { name: org.name }) }),
          (error: unknown) => notifications.show({ color: "red", title: t("errors.title"), message: errorText(error) }),
        );
        return;
      }
      confirm({
        title: t("organizations.disableTitle", { name: org.name }),
        message: t("organizations.disableBody"),
        confirmLabel: t("common.disable"),
        color: "orange",
        action: () => setStatus(org, "disabled"),
        successMessage: t("organizations.disabled", { name: org.name }),
      });
    },
    remove(org: Organization) {
      confirm({
        title: t("organizations.deleteTitle", { name: org.name }),
        message: (
          <Text size="sm">
            <Trans i18nKey="organizations.deleteBody" values={{ name: org.name }} components={{ b: <b /> }} />
          </Text>
        ),
        confirmLabel: t("organizations.deleteConfirm"),
        typedConfirmation: { value: org.slug, label: t("organizations.slug") },
        action: async () => {
          await hostApi.deleteOrganization(org.slug);
          onDeleted?.();
          queryClient.removeQueries({ queryKey: ["host", "organization", org.slug] });
          await refresh();
        },
        successMessage: t("organizations.deleted", { name: org.name }),
      });
    },
  };
}
