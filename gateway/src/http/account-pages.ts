import { createHash } from 'node:crypto';
import { Express } from 'express';

/**
 * Where the confirmation and password-reset mails link to. Opening a page
 * changes nothing (mail scanners prefetch links): on /confirm-email the button
 * confirms, then the page sets the password; /reset-password only sets it.
 */
const page = (mode: 'confirm' | 'reset') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${mode === 'reset' ? 'Choose a new Herck password' : 'Confirm your Herck account'}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style>
</head><body>
<h1>Herck</h1>
<form id="confirm" method="post" ${mode === 'reset' ? 'hidden' : ''}><button>Confirm my email address</button></form>
<form id="password" method="post" ${mode === 'reset' ? '' : 'hidden'}><label>Choose a password (12 to 128 characters)<input type="password" name="password" minlength="12" maxlength="128" required autocomplete="new-password"></label><button>Set password</button></form>
<p id="out" role="status"></p>
<script>${script(mode)}</script></body></html>`;

/** The pages' one style sheet, inline (the policy below allows exactly it). */
const STYLE = 'body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}input,button{font:inherit;padding:.5rem;margin:.25rem 0;width:100%;box-sizing:border-box}#out{margin-top:1rem}';

/** The page's script: each form calls the API itself (a form sent without it goes nowhere: form-action 'none'). */
const script = (mode: 'confirm' | 'reset') => `
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
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The pages' address holds a live single-use token: it is not cached, not sent on as a referrer,
 * and the page is not framed by another site (which could overlay its buttons). It runs its own
 * script and style only, talks to this origin only, and sends no form anywhere: without its script
 * a form goes nowhere (rather than putting the password in an address).
 */
const tokenPageHeaders = (mode: 'confirm' | 'reset') => ({
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': `default-src 'none'; script-src ${sha256(script(mode))}; style-src ${sha256(STYLE)}; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
});

export function serveAccountPages(app: Express): void {
  // People open the bare address in a browser: send them to Sandbox.
  app.get('/', (_req, res) => res.redirect('/graphql'));
  for (const [path, mode] of [['/confirm-email', 'confirm'], ['/reset-password', 'reset']] as const) {
    const html = page(mode);
    const headers = tokenPageHeaders(mode);
    app.get(path, (_req, res) => {
      res.set(headers).type('html').send(html);
    });
  }
}
