// The pages are a client-side app: the shell is prerendered (so the service worker can precache it)
// and everything renders in the browser from local data.
export const ssr = false;
export const prerender = true;
