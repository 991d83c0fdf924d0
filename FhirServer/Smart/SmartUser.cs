using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace FhirServer.Smart;

/// <summary>
/// The user signed in to the authorization server's pages, whichever way they signed in (a local login, Pro Santé
/// Connect): one cookie scheme and one shape of claims, which the authorization endpoint reads to go on with the SMART
/// flow (docs/authorization.md, "Signed-in users"). The cookie is for those pages only: the FHIR API authenticates
/// bearer tokens, never it.
/// </summary>
public static class SmartUser
{
    /// <summary>ASP.NET Core's standard cookie scheme, registered once by <see cref="AddSmartUserCookie"/>.</summary>
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;

    public const string CookieName = "fhirserver.user";

    /// <summary>The user's stable id: a local user's name, a practitioner's national id (IdNatPS) through PSC.</summary>
    public const string Subject = "sub";

    /// <summary>The name shown to the user (consent page, patient picker).</summary>
    public const string Name = "name";

    /// <summary>The FHIR resource of the user, relative (<c>Practitioner/123</c>): the token's <c>fhirUser</c>.</summary>
    public const string FhirUser = ContractClaims.FhirUser;

    /// <summary>How the user signed in: <see cref="LocalProvider"/> or <see cref="ProSanteConnectProvider"/>.</summary>
    public const string IdentityProvider = "idp";

    public const string LocalProvider = "local";
    public const string ProSanteConnectProvider = "psc";

    /// <summary>A sign-in lasts as long as it takes to finish an authorization (login, picker, consent), not a working day.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    /// <summary>The principal to sign in: <c>sub</c>, <c>name</c>, <c>fhirUser</c>, <c>idp</c>, and any <paramref name="more"/>.</summary>
    public static ClaimsPrincipal Principal(string subject, string name, string fhirUser, string identityProvider, IEnumerable<Claim>? more = null)
    {
        var identity = new ClaimsIdentity(Scheme, Name, "role");
        identity.AddClaim(new Claim(Subject, subject));
        identity.AddClaim(new Claim(Name, name));
        identity.AddClaim(new Claim(FhirUser, fhirUser));
        identity.AddClaim(new Claim(IdentityProvider, identityProvider));
        identity.AddClaims(more ?? []);
        return new ClaimsPrincipal(identity);
    }

    public static Task SignInAsync(HttpContext http, ClaimsPrincipal principal) =>
        http.SignInAsync(Scheme, principal, new AuthenticationProperties { IsPersistent = false });

    /// <summary>
    /// The cookie scheme, its keys kept in <paramref name="keyDirectory"/> (so that a restart keeps sign-ins), and
    /// <c>Secure</c> cookies when the public base URL is https (TLS ends at the proxy in front of the server).
    /// </summary>
    public static AuthenticationBuilder AddSmartUserCookie(this AuthenticationBuilder builder, ServerSettings server, string keyDirectory)
    {
        var keys = Directory.CreateDirectory(Path.Combine(keyDirectory, "data-protection"));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keys.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        builder.Services.AddDataProtection().SetApplicationName("FhirServer").PersistKeysToFileSystem(keys);
        return builder.AddCookie(Scheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            // Lax: sent on the top-level GET by which a provider sends the user back, not on cross-site POSTs.
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = SecurePolicy(server);
            o.ExpireTimeSpan = Lifetime;
            o.SlidingExpiration = false;
        });
    }

    /// <summary><c>Always</c> when the configured public base URL is https, else as the request came.</summary>
    public static CookieSecurePolicy SecurePolicy(ServerSettings server) =>
        SmartServer.Issuer(server)?.Scheme == Uri.UriSchemeHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
}
