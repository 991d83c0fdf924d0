using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// The user's sign-in at the authorization server: a cookie (its own scheme, beside the bearer tokens of the FHIR
/// API) set by the login form and read by the authorization endpoint. It carries the user name and
/// <c>fhirUser</c>; the user is looked up in the configuration again on each use, so a user removed is signed out.
/// </summary>
public static class SmartSession
{
    public const string Scheme = "SmartSession";

    /// <summary>When the sign-in ends (Unix seconds), carried into the tokens so that online_access ends with it.</summary>
    public const string ExpiresClaim = "smart_session_expires";

    public static void AddSmartSession(this IServiceCollection services, SmartSettings smart)
    {
        services.AddSingleton<LoginPage>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "fhir_smart_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = "fhir_smart_session";
            o.Cookie.HttpOnly = true;
            // Lax: the app sends the browser to the authorization endpoint from its own site, a top-level GET.
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.LoginPath = SmartServer.LoginPath;
            o.ExpireTimeSpan = TimeSpan.FromMinutes(smart.SessionMinutes);
            o.SlidingExpiration = false;
        });
    }

    public static void MapSmartSession(this WebApplication app)
    {
        app.MapGet(SmartServer.LoginPath, (HttpContext http, LoginPage page, string? returnUrl) =>
            IsLocal(returnUrl) ? page.Render(http, returnUrl!) : SmartPage.Error(http, SmartTexts.For(http), "ReturnUrl must be a path on this server."));
        app.MapPost(SmartServer.LoginPath, SignInAsync).DisableAntiforgery();
    }

    /// <summary>The signed-in user, or null (none, or no longer configured).</summary>
    public static async Task<(SmartUser User, DateTimeOffset Expires)?> CurrentAsync(HttpContext http, SmartSettings settings)
    {
        var result = await http.AuthenticateAsync(Scheme);
        if (!result.Succeeded || settings.FindUser(result.Principal.FindFirst(Claims.Subject)?.Value) is not { } user) return null;
        return (user, result.Properties.ExpiresUtc ?? DateTimeOffset.UtcNow.AddMinutes(settings.SessionMinutes));
    }

    private static async Task<IResult> SignInAsync(HttpContext http, SmartSettings settings, LoginPage page, IAntiforgery antiforgery,
        ILogger<LoginPage> logger)
    {
        var texts = SmartTexts.For(http);
        if (!http.Request.HasFormContentType) return SmartPage.Error(http, texts, texts.FormExpired);
        var form = await http.Request.ReadFormAsync();
        if (!await antiforgery.IsRequestValidAsync(http)) return SmartPage.Error(http, texts, texts.FormExpired);
        var returnUrl = form["ReturnUrl"].ToString();
        if (!IsLocal(returnUrl)) return SmartPage.Error(http, texts, "ReturnUrl must be a path on this server.");
        var username = form["username"].ToString();
        var user = settings.FindUser(username);
        if (!SmartPasswords.Verify(user, form["password"].ToString()))
        {
            logger.LogWarning("SMART sign-in refused for user name {Username}", username);
            return page.Render(http, returnUrl, username, failed: true);
        }
        var identity = new ClaimsIdentity(Scheme, Claims.Subject, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, user!.Username!));
        identity.AddClaim(new Claim(ContractClaims.FhirUser, user.FhirUser!));
        await http.SignInAsync(Scheme, new ClaimsPrincipal(identity));
        logger.LogInformation("SMART sign-in of {Username} ({FhirUser})", user.Username, user.FhirUser);
        return Results.Redirect(returnUrl);
    }

    // A path on this server: not another site's address, not a scheme-relative //host nor /\host.
    private static bool IsLocal(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}
