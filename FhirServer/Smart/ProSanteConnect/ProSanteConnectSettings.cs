using FhirServer.Hosting;

namespace FhirServer.Smart.ProSanteConnect;

/// <summary>
/// <c>Smart:ProSanteConnect</c>: Pro Santé Connect (PSC), the national OpenID Connect provider of health
/// professionals, as an upstream provider practitioners sign in through (docs/authorization.md, "Pro Santé Connect").
/// </summary>
public sealed class ProSanteConnectSettings
{
    public const string DefaultRedirectPath = "/auth/psc/callback";

    public const string DefaultPostLogoutRedirectPath = "/auth/psc/signed-out";

    /// <summary>Off by default: the sign-in through PSC needs a client registered with PSC.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The provider's issuer, whose <c>/.well-known/openid-configuration</c> gives the endpoints and keys (the PSC
    /// sandbox: <c>https://auth.bas.esw.esante.gouv.fr/auth/realms/esante-wallet</c>). HTTPS, or HTTP on a loopback
    /// address only (a provider on the same machine, as in the tests).
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>The client id PSC gave this server.</summary>
    public string? ClientId { get; set; }

    /// <summary>The client secret PSC gave this server (<c>client_secret_basic</c>); better in the environment (<c>Smart__ProSanteConnect__ClientSecret</c>) than in a file.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The scopes asked, space-separated: PSC's claims (<c>SubjectNameID</c>, <c>SubjectRefPro</c>…) come with <c>scope_all</c>.</summary>
    public string Scope { get; set; } = "openid scope_all";

    /// <summary>
    /// The authentication levels asked (<c>acr_values</c>, space-separated) and the only ones accepted in the ID
    /// token's <c>acr</c>: PSC's <c>eidas1</c> is a CPS card or e-CPS sign-in.
    /// </summary>
    public string AcrValues { get; set; } = "eidas1";

    /// <summary>The path of this server PSC sends the user back to; registered with PSC as <c>{base URL}{path}</c>.</summary>
    public string RedirectPath { get; set; } = DefaultRedirectPath;

    /// <summary>
    /// The path of this server PSC sends the user back to after signing them out (the end-session endpoint); registered
    /// with PSC as a <c>post_logout_redirect_uri</c>, <c>{base URL}{path}</c>.
    /// </summary>
    public string PostLogoutRedirectPath { get; set; } = DefaultPostLogoutRedirectPath;

    /// <summary>Seconds each call to PSC (configuration, keys, token, userinfo) may take before the sign-in fails with a page.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    public IReadOnlyList<string> Scopes => Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public IReadOnlyList<string> AcceptedAcr => AcrValues.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public void Validate()
    {
        if (!Enabled) return;
        const string where = "Smart:ProSanteConnect";
        if (!Uri.TryCreate(Issuer, UriKind.Absolute, out var issuer) || (issuer.Scheme != Uri.UriSchemeHttps && !(issuer.Scheme == Uri.UriSchemeHttp && issuer.IsLoopback)))
            throw new ConfigurationException($"{where}:Issuer '{Issuer}' is not an https URL (http is accepted on a loopback address only).");
        if (string.IsNullOrWhiteSpace(ClientId)) throw new ConfigurationException($"{where}:ClientId is missing: the client id registered with Pro Santé Connect.");
        if (string.IsNullOrEmpty(ClientSecret)) throw new ConfigurationException($"{where}:ClientSecret is missing: the client secret registered with Pro Santé Connect.");
        if (!Scopes.Contains("openid")) throw new ConfigurationException($"{where}:Scope '{Scope}' lacks openid: Pro Santé Connect is used as an OpenID Connect provider.");
        if (TimeoutSeconds <= 0) throw new ConfigurationException($"{where}:TimeoutSeconds is {TimeoutSeconds}: it must be a positive number.");
        if (AcceptedAcr.Count == 0) throw new ConfigurationException($"{where}:AcrValues is empty: name the authentication levels accepted (eidas1).");
        if (!PostLogoutRedirectPath.StartsWith('/') || PostLogoutRedirectPath.StartsWith("//") || !Uri.IsWellFormedUriString(PostLogoutRedirectPath, UriKind.Relative))
            throw new ConfigurationException($"{where}:PostLogoutRedirectPath '{PostLogoutRedirectPath}' is not a path of this server (such as {DefaultPostLogoutRedirectPath}).");
        if (!RedirectPath.StartsWith('/') || RedirectPath.StartsWith("//") || !Uri.IsWellFormedUriString(RedirectPath, UriKind.Relative))
            throw new ConfigurationException($"{where}:RedirectPath '{RedirectPath}' is not a path of this server (such as {DefaultRedirectPath}).");
    }
}
