import { Button, Menu } from "@mantine/core";
import { IconCheck, IconChevronDown, IconLanguage } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { meApi } from "../api/endpoints";
import type { Locale } from "../api/types";
import { useSession } from "../app/session";
import { changeLocale, currentLocale, supportedLocales } from "../i18n";

const languageNames: Record<Locale, string> = { en: "English", de: "Deutsch" };

/**
 * Switches the UI language. The choice is kept in this browser and, when signed in, saved to the
 * profile so e-mails and other devices follow it.
 */
export function LanguageSwitcher() {
  const { t } = useTranslation();
  const session = useSession();
  const locale = currentLocale();

  const choose = async (next: Locale) => {
    await changeLocale(next);
    if (session.principal && session.principal.locale !== next) {
      try {
        session.setPrincipal(await meApi.update({ locale: next }));
      } catch {
        // The UI has switched already; the profile keeps its old language until the next try.
      }
    }
  };

  return (
    <Menu position="bottom-end" width={170} withinPortal>
      <Menu.Target>
        <Button
          variant="subtle"
          color="gray"
          size="compact-md"
          leftSection={<IconLanguage size={18} />}
          rightSection={<IconChevronDown size={14} />}
          aria-label={t("language.label")}
          data-testid="language-switcher"
        >
          {locale.toUpperCase()}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t("language.label")}</Menu.Label>
        {supportedLocales.map((option) => (
          <Menu.Item
            key={option}
            lang={option}
            onClick={() => void choose(option)}
            rightSection={option === locale ? <IconCheck size={14} /> : null}
            data-testid={`language-${option}`}
          >
            {languageNames[option]}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
