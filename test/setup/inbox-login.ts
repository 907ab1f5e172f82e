/**
 * The inbox login form as a browser sends it: the double-submit token from the login page's cookie.
 * Resolves with the status and the session cookie (empty when none was set).
 */
export async function loginToInbox(
  baseUrl: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; cookie: string; text: string }> {
  const form = await fetch(`${baseUrl}/inbox/login`, { headers });
  const loginCookie = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const answer = await fetch(`${baseUrl}/inbox/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email, password, next: '/inbox' }),
  });
  const session = answer.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('mw_session=') && c !== 'mw_session=');
  return { status: answer.status, cookie: session ?? '', text: await answer.text() };
}
