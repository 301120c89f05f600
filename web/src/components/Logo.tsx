import { Group, Text } from "@mantine/core";
import { useId } from "react";

/** The Dirigent mark: a conductor's baton tracing a beat, on the brand gradient. */
export function LogoMark({ size = 32 }: { size?: number }) {
  const gradientId = useId();
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <defs>
        <linearGradient id={gradientId} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#4c6ef5" />
          <stop offset="1" stopColor="#7048e8" />
        </linearGradient>
      </defs>
      <rect width="32" height="32" rx="8" fill={`url(#${gradientId})`} />
      <path d="M8 22c3-1 5-4 7-7s4-5 9-6" fill="none" stroke="#fff" strokeWidth="2.6" strokeLinecap="round" />
      <circle cx="9" cy="10" r="2.2" fill="#fff" />
      <path d="M7 25h18" stroke="#fff" strokeOpacity=".55" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}

/** Mark plus wordmark, as shown in the header and on the sign-in page. */
export function Logo({ size = 30 }: { size?: number }) {
  return (
    <Group gap={10} wrap="nowrap" aria-label="Dirigent" role="img">
      <LogoMark size={size} />
      <Text component="span" fw={750} fz={size * 0.68} lh={1} style={{ letterSpacing: "-0.02em" }}>
        Dirigent
      </Text>
    </Group>
  );
}
