/** The login page and the page of a failed logout: plain HTML forms, no script needed. */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Analytics dashboard</title>
<link rel="stylesheet" href="/static/styles.css">
</head>
<body class="login">
<main class="login-box">
${body}
</main>
</body>
</html>
`;
}

/** The login form, with a message (a wrong password, a rate limit) when there is one. */
export function loginPage(message?: string): string {
  return page(
    'Log in',
    `<h1>Analytics dashboard</h1>
<form method="post" action="/login">
<input type="text" name="username" value="dashboard" autocomplete="username" hidden>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
</form>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<p class="hint">The password is in AWS Secrets Manager (see the README); locally, <code>npm start</code> prints it.</p>`,
  );
}

/** A logout that could not be recorded yet: says why and offers the button again. */
export function logoutRetryPage(message: string): string {
  return page(
    'Log out',
    `<h1>Not logged out yet</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<form method="post" action="/logout"><button type="submit">Log out</button></form>`,
  );
}
