import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter(),
    // Absolute asset paths: an offline deep link such as /customers/42 must still find /_app/...
    paths: { relative: false },
    // The service worker is registered by workbox-window (src/lib/pwa.ts) so we can show "update ready".
    serviceWorker: { register: false }
  }
};

export default config;
