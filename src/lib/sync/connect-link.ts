// Connect links: how a second device joins a workspace. The link carries the access token in the URL's
// fragment (`/sync#join=TOKEN`), which browsers never send to the server, so it stays out of logs.
export const JOIN_PARAM = 'join';

export function connectLink(origin: string, token: string): string {
  return `${origin}/sync#${JOIN_PARAM}=${encodeURIComponent(token)}`;
}

/** The token in what the user pasted: a connect link or the bare token; null when there is none. */
export function tokenFromInput(input: string): string | null {
  const text = input.trim();
  if (text === '') return null;
  const hash = text.indexOf('#');
  if (hash >= 0) {
    const params = new URLSearchParams(text.slice(hash + 1));
    const token = params.get(JOIN_PARAM);
    return token && token.trim() !== '' ? token.trim() : null;
  }
  if (/\s/.test(text) || /^https?:/i.test(text)) return null;
  return text;
}

/** A short human name for this browser ("Chrome on Linux"), for conflict copies' names. */
export function deviceNameFrom(userAgent: string): string {
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : 'Browser';
  const os = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux|X11/.test(userAgent)
            ? 'Linux'
            : 'this device';
  return `${browser} on ${os}`;
}
