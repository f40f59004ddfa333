import { defineConfig } from 'vite';

/**
 * The web UI is plain React with esbuild's own JSX transform (no React plugin). `npm run dev` serves it
 * on :5173 against a server on :5000 (`npm start`); the production build goes to `dist/`, which the
 * server serves at `/`.
 */
const server = process.env.TALUS_DEV_SERVER ?? 'http://127.0.0.1:5000';

export default defineConfig({
  esbuild: { jsx: 'automatic' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      '/api': { target: server, changeOrigin: false },
      '/socket.io': { target: server, ws: true },
    },
  },
});
