import { Express } from 'express';

/**
 * Where the confirmation and password-reset mails link to. Opening a page
 * changes nothing (mail scanners prefetch links): on /confirm-email the button
 * confirms, then the page sets the password; /reset-password only sets it.
 */
const page = (mode: 'confirm' | 'reset') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${mode === 'reset' ? 'Choose a new Herck password' : 'Confirm your Herck account'}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}input,button{font:inherit;padding:.5rem;margin:.25rem 0;width:100%;box-sizing:border-box}#out{margin-top:1rem}</style>
</head><body>
<h1>Herck</h1>
<form id="confirm" ${mode === 'reset' ? 'hidden' : ''}><button>Confirm my email address</button></form>
<form id="password" ${mode === 'reset' ? '' : 'hidden'}><label>Choose a password (12 to 128 characters)<input type="password" name="password" minlength="12" maxlength="128" required autocomplete="new-password"></label><button>Set password</button></form>
<p id="out" role="status"></p>
<script>
const out = document.getElementById('out');
const token = new URLSearchParams(location.search).get('token') || '';
let setupToken = ${mode === 'reset' ? 'token' : "''"};
async function call(query, variables) {
  const response = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  if (body.errors) throw new Error(body.errors[0].message);
  return body.data;
}
document.getElementById('confirm').onsubmit = async (event) => {
  event.preventDefault();
  try {
    const data = await call('mutation ConfirmEmail($token: String!) { confirmEmail(token: $token) { passwordSetupToken } }', { token });
    setupToken = data.confirmEmail.passwordSetupToken;
    event.target.hidden = true;
    document.getElementById('password').hidden = false;
    out.textContent = 'Email confirmed. Now choose a password.';
  } catch (error) { out.textContent = error.message; }
};
document.getElementById('password').onsubmit = async (event) => {
  event.preventDefault();
  try {
    await call('mutation SetPassword($token: String!, $password: String!) { setPassword(token: $token, password: $password) }', { token: setupToken, password: event.target.password.value });
    event.target.hidden = true;
    out.textContent = 'Password set. You can sign in now.';
  } catch (error) { out.textContent = error.message; }
};
</script></body></html>`;

/**
 * The pages' address holds a live single-use token: it is not cached, not sent on as a referrer,
 * and the page is not framed by another site (which could overlay its buttons).
 */
const TOKEN_PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
};

export function serveAccountPages(app: Express): void {
  // People open the bare address in a browser: send them to Sandbox.
  app.get('/', (_req, res) => res.redirect('/graphql'));
  const confirm = page('confirm');
  const reset = page('reset');
  app.get('/confirm-email', (_req, res) => {
    res.set(TOKEN_PAGE_HEADERS).type('html').send(confirm);
  });
  app.get('/reset-password', (_req, res) => {
    res.set(TOKEN_PAGE_HEADERS).type('html').send(reset);
  });
}
