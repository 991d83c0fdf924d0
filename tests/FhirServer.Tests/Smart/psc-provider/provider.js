// An OpenID Connect provider standing in for Pro Santé Connect (PSC) in the federation tests: oidc-provider (a
// certified implementation) with PSC's scopes (openid scope_all), its claims (SubjectNameID = IdNatPS,
// SubjectRefPro, names) served by the userinfo endpoint, and the authentication level in acr (eidas1).
//
// node provider.js <settings.json>: settings = { clients: [...], accounts: { "<login>": { sub, acr, claims,
// forgeNonce } } }. It listens on a free port of 127.0.0.1 and prints "listening <issuer>" once ready.
//
// Sign-in is one plain form (the login a card or e-CPS would give): GET /interaction/<uid> shows it, its POST signs
// the account in, or, with "cancel", answers the client access_denied. No consent step: PSC has none, so the grant is made at once (loadExistingGrant).
// An account with "forgeNonce" makes the provider misbehave: its ID token carries another nonce than the one asked.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = settings.accounts ?? {};
const bySubject = new Map(Object.values(accounts).map((account) => [account.sub, account]));
const claimsOfScopeAll = ['SubjectNameID', 'SubjectRefPro', 'SubjectOrganization', 'SubjectRole', 'given_name', 'family_name', 'preferred_username'];

let handle = (req, res) => { res.statusCode = 503; res.end(); };
const server = http.createServer((req, res) => handle(req, res));
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: settings.clients,
    scopes: ['openid', 'scope_all'],
    claims: { openid: ['sub'], scope_all: claimsOfScopeAll },
    acrValues: ['eidas1', 'eidas2', 'low'],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['psc-provider-test-cookie-key'] },
    findAccount: (ctx, id) => {
      const account = bySubject.get(id);
      return account && { accountId: id, claims: () => ({ sub: id, ...account.claims }) };
    },
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid scope_all');
      grant.addOIDCClaims(claimsOfScopeAll);
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();
  handle = async (req, res) => {
    const path = new URL(req.url, issuer).pathname;
    if (!path.startsWith('/interaction/')) return callback(req, res);
    try {
      const interaction = await provider.interactionDetails(req, res);
      if (req.method === 'GET') return page(res, 200, form(interaction, ''));
      const fields = new URLSearchParams(await body(req));
      if (fields.has('cancel')) {
        const refused = { error: 'access_denied', error_description: 'The user cancelled the sign-in' };
        return await provider.interactionFinished(req, res, refused, { mergeWithLastSubmission: false });
      }
      const login = fields.get('login') ?? '';
      const account = accounts[login];
      if (!account) return page(res, 200, form(interaction, 'Unknown login'));
      if (account.forgeNonce) {
        interaction.params.nonce = `forged-${interaction.params.nonce ?? ''}`;
        await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
      }
      const result = { login: { accountId: account.sub, acr: account.acr ?? 'eidas1', amr: ['pwd'] } };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    } catch (error) {
      page(res, 400, `<p>${escape(String(error))}</p>`);
    }
  };
  console.log(`listening ${issuer}`);
});

// The page shows what the client asked, so that a test can check it (the request may have been pushed, PAR).
function form(interaction, message) {
  const { scope, acr_values: acr, code_challenge_method: pkce } = interaction.params;
  return `<h1>Pro Santé Connect (test)</h1><p>${escape(message)}</p>
<p id="asked">scope=${escape(scope ?? '')};acr_values=${escape(acr ?? '')};code_challenge_method=${escape(pkce ?? '')}</p>
<form method="post" action="/interaction/${escape(interaction.uid)}/login">
<label>Login <input name="login" autofocus></label>
<button type="submit">Sign in</button>
<button type="submit" name="cancel" value="1">Cancel</button>
</form>`;
}

function page(res, status, content) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>PSC</title></head><body>${content}</body></html>`);
}

function escape(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function body(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}
