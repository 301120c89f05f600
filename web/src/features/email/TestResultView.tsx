import { Alert, Box, Code, Paper, SimpleGrid, Stack, Text, ThemeIcon } from "@mantine/core";
import { IconAlertTriangle, IconBulb, IconCheck, IconCircleCheck, IconMinus, IconX } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { type EmailTestResult, type EmailTestStage, emailTestStages } from "../../api/types";
import { useStageLabel } from "./labels";

/**
 * The outcome of a test e-mail: ok or failed, the SMTP conversation as a stepper up to the stage
 * reached (resolve → … → data), the server's reply code and text, and a hint for known failures.
 * `skipped` marks stages the tested settings do not use (no TLS, no login).
 */
export function TestResultView({
  result,
  skipped = [],
}: {
  result: EmailTestResult;
  skipped?: readonly EmailTestStage[];
}) {
  const { t } = useTranslation();
  const stageLabel = useStageLabel();
  const reached = emailTestStages.indexOf(result.stage);
  // A success completes every step; a failure completes those before the failing one.
  const active = result.ok ? emailTestStages.length : reached;

  return (
    <Stack gap="md" data-testid="email-test-result" data-ok={result.ok ? "true" : "false"} data-stage={result.stage}>
      <Alert
        color={result.ok ? "teal" : "red"}
        variant="light"
        icon={result.ok ? <IconCircleCheck /> : <IconAlertTriangle />}
        title={result.ok ? t("email.test.okTitle") : t("email.test.failedTitle", { stage: stageLabel(result.stage) })}
      >
        <Text size="sm" data-testid="email-test-message">
          {result.message}
        </Text>
      </Alert>
      <Paper withBorder radius="md" p="md">
        <Text size="xs" c="dimmed" tt="uppercase" fw={700} mb="sm">
          {t("email.test.conversation")}
        </Text>
        <Box pos="relative" data-testid="email-test-stages">
          {/* The line the stages sit on. */}
          <Box
            pos="absolute"
            top={13}
            left="6%"
            right="6%"
            h={2}
            bg="var(--mantine-color-gray-3)"
            style={{ zIndex: 0 }}
            aria-hidden
          />
          <SimpleGrid cols={emailTestStages.length} spacing={4} pos="relative" style={{ zIndex: 1 }}>
            {emailTestStages.map((stage, index) => {
              const failedHere = !result.ok && index === reached;
              const done = index < active;
              const isSkipped = skipped.includes(stage) && !failedHere;
              const state = failedHere ? "failed" : isSkipped && done ? "skipped" : done ? "done" : "pending";
              return (
                <Stack key={stage} gap={4} align="center" data-stage={stage} data-state={state}>
                  <ThemeIcon
                    size={28}
                    radius="xl"
                    variant={state === "done" || state === "failed" ? "filled" : "default"}
                    color={state === "failed" ? "red" : state === "done" ? (result.ok ? "teal" : "indigo") : "gray"}
                  >
                    {state === "failed" ? (
                      <IconX size={16} />
                    ) : state === "done" ? (
                      <IconCheck size={16} />
                    ) : state === "skipped" ? (
                      <IconMinus size={14} />
                    ) : (
                      <Text size="xs" c="dimmed">
                        {index + 1}
                      </Text>
                    )}
                  </ThemeIcon>
                  <Text
                    size="xs"
                    fw={state === "failed" ? 700 : 500}
                    c={state === "failed" ? "red.7" : state === "pending" || state === "skipped" ? "dimmed" : undefined}
                    ta="center"
                    lh={1.2}
                  >
                    {stageLabel(stage)}
                  </Text>
                  {state === "skipped" ? (
                    <Text size="10px" c="dimmed" ta="center" lh={1.1} mt={-2}>
                      {t("email.test.skipped")}
                    </Text>
                  ) : null}
                </Stack>
              );
            })}
          </SimpleGrid>
        </Box>
      </Paper>
      {result.smtpCode !== undefined || result.response ? (
        <Stack gap={4}>
          <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
            {t("email.test.serverReply")}
          </Text>
          <Code block data-testid="email-test-response" style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>
            {replyText(result)}
          </Code>
        </Stack>
      ) : null}
      {result.hint ? (
        <Alert
          color="yellow"
          variant="light"
          icon={<IconBulb />}
          title={t("email.test.hint")}
          data-testid="email-test-hint"
        >
          <Text size="sm">{result.hint}</Text>
        </Alert>
      ) : null}
    </Stack>
  );
}

/** `550 5.7.1 …` once, whether or not the server's text already starts with its code. */
function replyText(result: EmailTestResult): string {
  const code = result.smtpCode === undefined ? "" : String(result.smtpCode);
  const response = result.response?.trim() ?? "";
  if (!response) return code;
  return code && !response.startsWith(code) ? `${code} ${response}` : response;
}
