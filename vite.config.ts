import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The renderer: three entries, the staff app (loaded from app://clinicdesk), the patients' guest page
// (served by the server at /join) and the registration page (served at /register/<token>). No inline scripts, so the CSP can forbid them.
export default defineConfig({
  root: resolve(import.meta.dirname, 'src-renderer'),
  // simple-peer's stream library asks for Node's "events": the browser gets the npm package of the same API.
  resolve: { alias: { events: resolve(import.meta.dirname, 'node_modules/events/events.js') } },
  base: '/',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'dist/renderer'),
    emptyOutDir: true,
    target: 'chrome140',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'src-renderer/index.html'),
        guest: resolve(import.meta.dirname, 'src-renderer/guest.html'),
        register: resolve(import.meta.dirname, 'src-renderer/register.html'),
      },
    },
  },
});
