import { createTheme } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "indigo",
  primaryShade: 6,
  defaultRadius: "md",
  fontFamily:
    'Inter, "Segoe UI Variable", "Segoe UI", system-ui, -apple-system, Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontWeight: "700" },
  cursorType: "pointer",
  components: {
    Table: { defaultProps: { verticalSpacing: "sm", horizontalSpacing: "md" } },
    Modal: { defaultProps: { radius: "md", overlayProps: { backgroundOpacity: 0.45, blur: 2 } } },
    Button: { defaultProps: { radius: "md" } },
  },
});
