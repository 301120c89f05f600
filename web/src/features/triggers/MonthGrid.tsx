import { ActionIcon, Group, SimpleGrid, Text, UnstyledButton } from "@mantine/core";
import { IconChevronLeft, IconChevronRight } from "@tabler/icons-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";

const pad = (n: number) => String(n).padStart(2, "0");

/** A month view where clicking a day adds it to or removes it from the excluded dates (YYYY-MM-DD). */
export function MonthGrid({ value, onChange }: { value: string[]; onChange: (dates: string[]) => void }) {
  const { i18n, t } = useTranslation();
  const today = new Date();
  const [month, setMonth] = useState({ y: today.getFullYear(), m: today.getMonth() });
  const locale = i18n.resolvedLanguage === "de" ? "de-DE" : "en-US";
  const first = new Date(Date.UTC(month.y, month.m, 1));
  const days = new Date(Date.UTC(month.y, month.m + 1, 0)).getUTCDate();
  // Weeks start on Monday.
  const lead = (first.getUTCDay() + 6) % 7;
  const selected = new Set(value);
  const weekdayNames = [...Array(7)].map((_, i) =>
    new Intl.DateTimeFormat(locale, { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1 + i))),
  );
  const move = (delta: number) => {
    const d = new Date(Date.UTC(month.y, month.m + delta, 1));
    setMonth({ y: d.getUTCFullYear(), m: d.getUTCMonth() });
  };
  const toggle = (date: string) =>
    onChange(selected.has(date) ? value.filter((d) => d !== date) : [...value, date].sort());
  return (
    <div data-testid="month-grid">
      <Group justify="space-between" mb={6}>
        <ActionIcon variant="subtle" onClick={() => move(-1)} aria-label={t("triggers.previousMonth")}>
          <IconChevronLeft size={18} />
        </ActionIcon>
        <Text fw={600} size="sm" data-testid="month-title">
          {new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" }).format(first)}
        </Text>
        <ActionIcon variant="subtle" onClick={() => move(1)} aria-label={t("triggers.nextMonth")}>
          <IconChevronRight size={18} />
        </ActionIcon>
      </Group>
      <SimpleGrid cols={7} spacing={4} verticalSpacing={4}>
        {weekdayNames.map((n) => (
          <Text key={n} size="xs" c="dimmed" ta="center">
            {n}
          </Text>
        ))}
        {[...Array(lead)].map((_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: empty cells before the first day have no identity.
          <div key={`lead-${i}`} />
        ))}
        {[...Array(days)].map((_, i) => {
          const date = `${month.y}-${pad(month.m + 1)}-${pad(i + 1)}`;
          const on = selected.has(date);
          return (
            <UnstyledButton
              key={date}
              onClick={() => toggle(date)}
              aria-pressed={on}
              data-testid={`day-${date}`}
              style={{
                textAlign: "center",
                borderRadius: 6,
                padding: "6px 0",
                fontSize: 13,
                background: on ? "var(--mantine-color-red-6)" : "var(--mantine-color-default-hover)",
                color: on ? "white" : undefined,
              }}
            >
              {i + 1}
            </UnstyledButton>
          );
        })}
      </SimpleGrid>
    </div>
  );
}
