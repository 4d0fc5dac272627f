/** Logs in to a running dashboard with its password, as the page's login form does; returns the session cookie. */
export async function loginCookie(url: string, password: string): Promise<string> {
  const login = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: url, 'content-type': 'application/json' },
    body: JSON.stringify({ password }),
  });
  if (login.status !== 303) throw new Error(`Logging in to ${url} answered ${login.status}, not 303.`);
  return login.headers.get('set-cookie')!.split(';')[0]!;
}
