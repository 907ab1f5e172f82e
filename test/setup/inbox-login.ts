/**
 * Logs in to the inbox the way a browser does: the double-submit token from the login page's
 * cookie, then the form. `cookie` is the session cookie ('' when the login was refused).
 */
export async function inboxLogin(
  apiUrl: string,
  email: string,
  password: string,
): Promise<{ status: number; cookie: string }> {
  const form = await fetch(`${apiUrl}/inbox/login`);
  const loginCookie = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const answer = await fetch(`${apiUrl}/inbox/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email, password, next: '/inbox' }),
  });
  const session = answer.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('mw_session=') && c !== 'mw_session=');
  return { status: answer.status, cookie: session ?? '' };
}
