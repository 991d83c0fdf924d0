using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// The user's sign-in at the authorization server, whichever way they signed in (the login form, Pro Santé Connect):
/// one cookie scheme (beside the bearer tokens of the FHIR API, which never read it) and one shape of claims —
/// <c>sub</c>, <c>name</c>, <c>fhirUser</c>, <c>idp</c> — read by the authorization endpoint (docs/authorization.md,
/// "Signed-in users"). A local user is looked up in the configuration again on each use, so a user removed is signed
/// out; a practitioner through PSC is not in the configuration: the cookie's claims are the user.
/// </summary>
public static class SmartSession
{
    public const string Scheme = "SmartSession";

    public const string CookieName = "fhir_smart_session";

    /// <summary>The name shown to the user (consent page).</summary>
    public const string NameClaim = Claims.Name;

    /// <summary>How the user signed in: <see cref="LocalProvider"/> or <see cref="ProSanteConnectProvider"/>.</summary>
    public const string IdentityProviderClaim = "idp";

    public const string LocalProvider = "local";
    public const string ProSanteConnectProvider = "psc";

    /// <summary>When the sign-in ends (Unix seconds), carried into the tokens so that online_access ends with it.</summary>
    public const string ExpiresClaim = "smart_session_expires";

    /// <summary>
    /// This sign-in's own id (128 random bits), carried into the authorizations granted in it, so that signing out
    /// ends their <c>online_access</c> (<see cref="SessionAuthorizations"/>).
    /// </summary>
    public const string SessionIdClaim = "smart_session_id";

    /// <summary>The login page, to which an upstream provider adds its button.</summary>
    public static LoginPage AddSmartSession(this IServiceCollection services, SmartSettings smart, ServerSettings server)
    {
        var page = new LoginPage();
        services.AddSingleton(page);
        services.AddSingleton<LoginLockout>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "fhir_smart_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            // Lax: the app sends the browser to the authorization endpoint from its own site, and an upstream provider
            // sends it back, both by a top-level GET; cross-site POSTs go without it.
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = SecurePolicy(server);
            o.LoginPath = SmartServer.LoginPath;
            o.ExpireTimeSpan = TimeSpan.FromMinutes(smart.SessionMinutes);
            o.SlidingExpiration = false;
        });
        return page;
    }

    /// <summary><c>Always</c> when the configured public base URL is https (TLS ends at the proxy), else as the request came.</summary>
    public static CookieSecurePolicy SecurePolicy(ServerSettings server) =>
        SmartServer.Issuer(server)?.Scheme == Uri.UriSchemeHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;

    /// <summary>The principal to sign in: <c>sub</c>, <c>name</c>, <c>fhirUser</c>, <c>idp</c>, a new session id, and any <paramref name="more"/>.</summary>
    public static ClaimsPrincipal Principal(SignedInUser user, IEnumerable<Claim>? more = null)
    {
        var identity = new ClaimsIdentity(Scheme, NameClaim, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, user.Subject));
        identity.AddClaim(new Claim(NameClaim, user.Name));
        identity.AddClaim(new Claim(ContractClaims.FhirUser, user.FhirUser));
        identity.AddClaim(new Claim(IdentityProviderClaim, user.IdentityProvider));
        identity.AddClaim(new Claim(SessionIdClaim, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))));
        identity.AddClaims(more ?? []);
        return new ClaimsPrincipal(identity);
    }

    public static Task SignInAsync(HttpContext http, SignedInUser user, IEnumerable<Claim>? more = null) =>
        http.SignInAsync(Scheme, Principal(user, more), new AuthenticationProperties { IsPersistent = false });

    public static void MapSmartSession(this WebApplication app)
    {
        app.MapGet(SmartServer.LoginPath, (HttpContext http, LoginPage page, string? returnUrl) =>
            IsLocal(returnUrl) ? page.Render(http, returnUrl!) : SmartPage.Error(http, SmartTexts.For(http), "ReturnUrl must be a path on this server."));
        app.MapPost(SmartServer.LoginPath, LoginAsync).DisableAntiforgery();
    }

    /// <summary>The signed-in user, or null (none, a local user no longer configured, a cookie without the claims).</summary>
    public static async Task<(SignedInUser User, DateTimeOffset Expires, string? SessionId)?> CurrentAsync(HttpContext http, SmartSettings settings)
    {
        var result = await http.AuthenticateAsync(Scheme);
        if (!result.Succeeded) return null;
        var claims = result.Principal;
        var subject = claims.FindFirst(Claims.Subject)?.Value;
        SignedInUser? user = claims.FindFirst(IdentityProviderClaim)?.Value switch
        {
            // A practitioner through PSC: in no configuration, the claims checked at the callback are the user.
            ProSanteConnectProvider when subject is { Length: > 0 } && claims.FindFirst(ContractClaims.FhirUser)?.Value is { } fhirUser
                && fhirUser.StartsWith("Practitioner/", StringComparison.Ordinal) =>
                new SignedInUser(subject, claims.FindFirst(NameClaim)?.Value ?? subject, fhirUser, ProSanteConnectProvider),
            LocalProvider => settings.FindUser(subject) is { } local ? SignedInUser.Local(local) : null,
            _ => null,
        };
        if (user is null) return null;
        return (user, result.Properties.ExpiresUtc ?? DateTimeOffset.UtcNow.AddMinutes(settings.SessionMinutes), claims.FindFirst(SessionIdClaim)?.Value);
    }

    private static async Task<IResult> LoginAsync(HttpContext http, SmartSettings settings, LoginPage page, IAntiforgery antiforgery,
        LoginLockout lockout, ILogger<LoginPage> logger)
    {
        var texts = SmartTexts.For(http);
        if (!http.Request.HasFormContentType) return SmartPage.Error(http, texts, texts.FormExpired);
        var form = await http.Request.ReadFormAsync();
        if (!await antiforgery.IsRequestValidAsync(http)) return SmartPage.Error(http, texts, texts.FormExpired);
        var returnUrl = form["ReturnUrl"].ToString();
        if (!IsLocal(returnUrl)) return SmartPage.Error(http, texts, "ReturnUrl must be a path on this server.");
        var username = form["username"].ToString();
        if (lockout.IsLocked(username))
        {
            logger.LogWarning("SMART sign-in refused for user name {Username}: locked after {Failures} wrong passwords", username, settings.LoginMaxFailures);
            return page.Render(http, returnUrl, username, t => string.Format(System.Globalization.CultureInfo.InvariantCulture, t.LoginLocked, settings.LoginLockoutMinutes));
        }
        var user = settings.FindUser(username);
        if (!SmartPasswords.Verify(user, form["password"].ToString()))
        {
            var locked = lockout.Fail(username);
            logger.LogWarning("SMART sign-in refused for user name {Username}{Locked}", username,
                locked ? $": locked for {settings.LoginLockoutMinutes} minutes after {settings.LoginMaxFailures} wrong passwords" : "");
            return page.Render(http, returnUrl, username, t => t.LoginFailed);
        }
        lockout.Succeed(username);
        await SignInAsync(http, SignedInUser.Local(user!));
        logger.LogInformation("SMART sign-in of {Username} ({FhirUser})", user!.Username, user.FhirUser);
        return Results.Redirect(returnUrl);
    }

    /// <summary>
    /// A path of this server (<c>/…</c>), never another site (<c>//host</c>, <c>/\host</c>, <c>https://…</c>) nor a header
    /// injection (control characters): where a sign-in, local or upstream, may send the browser back to.
    /// </summary>
    public static bool IsLocal(string? url) =>
        url is not null && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
        && !url.Any(char.IsControl) && Uri.IsWellFormedUriString(url, UriKind.Relative);
}
