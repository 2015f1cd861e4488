/** The two pages the server writes itself: sign-in (before any script) and the shell the console's script fills. */

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string, head = ''): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/assets/console.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
${head}</head>
<body>
${body}
</body>
</html>
`;

export function signInPage(csrfToken: string, problem?: string, notice?: string): string {
  return page(
    'Sign in — Jobs console',
    `<a class="skip-link" href="#main">Skip to content</a>
<main class="sign-in" id="main">
<h1>Jobs console</h1>
<p>ConnectWise Manage Billing and the other installed job types of this host.</p>
<form method="post" action="/login">
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>\n` : ''}${notice ? `<p class="banner-info" role="status">${escapeHtml(notice)}</p>\n` : ''}<input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
</main>`,
  );
}

export function consoleShell(csrfToken: string): string {
  return page(
    'Jobs — Jobs console',
    '<div id="root"><p>Loading…</p></div>',
    `<meta name="csrf-token" content="${escapeHtml(csrfToken)}">\n<script type="module" src="/assets/console.js"></script>\n`,
  );
}
