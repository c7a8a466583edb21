// One page per segment (or `new`): not prerenderable (ids are the user's data); the service worker
// serves the shell.
export const prerender = false;
