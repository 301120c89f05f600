import { List, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { publicApi } from "../api/endpoints";
import { DoneMark } from "./DoneMark";

/**
 * The installation's password rules under a new-password field, before the first submit, each
 * ticked as the typed password meets it (the server checks them again).
 */
export function PasswordRules({ password }: { password: string }) {
  const { t } = useTranslation();
  const status = useQuery({ queryKey: ["public", "status"], queryFn: publicApi.status, staleTime: 30_000 });
  const policy = status.data?.passwordPolicy;
  if (!policy) return null;
  const rules = [
    {
      key: "length",
      text: t("passwordRules.length", { count: policy.minLength }),
      met: password.length >= policy.minLength,
    },
    ...(policy.requireUppercase
      ? [{ key: "upper", text: t("passwordRules.upper"), met: /\p{Lu}/u.test(password) }]
      : []),
    ...(policy.requireLowercase
      ? [{ key: "lower", text: t("passwordRules.lower"), met: /\p{Ll}/u.test(password) }]
      : []),
    ...(policy.requireDigit ? [{ key: "digit", text: t("passwordRules.digit"), met: /\p{Nd}/u.test(password) }] : []),
    ...(policy.requireSymbol
      ? [{ key: "symbol", text: t("passwordRules.symbol"), met: /[^\p{L}\p{Nd}]/u.test(password) }]
      : []),
  ];
  return (
    <div data-testid="password-rules">
      <Text size="xs" c="dimmed" mb={4}>
        {t("passwordRules.title")}
      </Text>
      <List size="xs" spacing={2} center>
        {rules.map((rule) => (
          <List.Item
            key={rule.key}
            data-testid={`password-rule-${rule.key}`}
            data-met={rule.met}
            icon={<DoneMark done={rule.met} size="xs" />}
          >
            <Text size="xs" c={rule.met ? undefined : "dimmed"}>
              {rule.text}
            </Text>
          </List.Item>
        ))}
      </List>
    </div>
  );
}
