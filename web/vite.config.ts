import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The config is run from the repository root (`vite build --config web/vite.config.ts`), so every
// path is anchored to this file's folder rather than to the working directory.
const webDir = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: webDir,
  base: "/",
  plugins: [react()],
  build: {
    outDir: `${webDir}/dist`,
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8080", changeOrigin: false },
    },
  },
});
