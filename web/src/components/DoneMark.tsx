import { ThemeIcon } from "@mantine/core";
import { IconCheck, IconPoint } from "@tabler/icons-react";

/** A round check mark for a list of steps or rules: filled teal when done, a grey point until then. */
export function DoneMark({ done, size }: { done: boolean; size: "xs" | "sm" }) {
  const [outer, inner] = size === "sm" ? [22, 14] : [14, 10];
  return (
    <ThemeIcon size={outer} radius="xl" color={done ? "teal" : "gray"} variant={done ? "filled" : "light"}>
      {done ? <IconCheck size={inner} /> : <IconPoint size={inner} />}
    </ThemeIcon>
  );
}
