/**
 * The registration token from whatever the user has: the clinicdesk:// link the OS handed us, the web link
 * from the e-mail (pasted), or the bare token. Anything else is not a registration link.
 */
const TOKEN = /^[A-Za-z0-9_-]{40,64}$/;

export function tokenFromLink(raw: string): string | null {
  const text = raw.trim();
  if (TOKEN.test(text)) return text;
  if (!URL.canParse(text)) return null;
  const url = new URL(text);
  let token: string | null = null;
  if (url.protocol === 'clinicdesk:') {
    // clinicdesk://register?token=… (host "register")
    if (url.hostname === 'register' || url.pathname.replace(/^\/+/, '') === 'register')
      token = url.searchParams.get('token');
  } else if (url.protocol === 'https:' || url.protocol === 'http:') {
    token = /^\/register\/([^/]+)$/.exec(url.pathname)?.[1] ?? null;
  }
  return token && TOKEN.test(token) ? token : null;
}

/** The first clinicdesk:// argument of a command line (Windows and Linux pass the link that way). */
export const linkFromArgv = (argv: readonly string[]): string | null =>
  argv.find((arg) => arg.toLowerCase().startsWith('clinicdesk://')) ?? null;
