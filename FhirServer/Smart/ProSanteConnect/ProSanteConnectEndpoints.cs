using System.Security.Claims;
using FhirServer.Http;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart.ProSanteConnect;

/// <summary>
/// The sign-in of a practitioner through Pro Santé Connect: <see cref="LoginPath"/> sends the browser to PSC (the
/// login page links it), the callback maps PSC's identity to the Practitioner carrying the national id, signs the user
/// in (<see cref="SmartSession"/>, the same sign-in as the login form's) and goes back to the <c>returnUrl</c> (the authorization request being answered).
/// </summary>
public static class ProSanteConnectEndpoints
{
    public const string LoginPath = "/auth/psc/login";

    /// <summary>PSC's claim with the national practitioner id (IdNatPS).</summary>
    public const string SubjectNameId = "SubjectNameID";

    /// <summary>PSC's claim with the practitioner's professional exercises and activities (a JSON object).</summary>
    public const string SubjectRefPro = "SubjectRefPro";

    /// <summary>The session's claim keeping PSC's ID token: the <c>id_token_hint</c> of the sign-out at PSC.</summary>
    public const string IdTokenClaim = "psc_id_token";

    /// <summary>GET /auth/psc/login?returnUrl=/auth/authorize?…: the challenge, with PSC's scopes and <c>acr_values</c>.</summary>
    public static async Task Login(HttpContext http, ProSanteConnectSettings psc, OpenIddictClientService client, ILoggerFactory loggers)
    {
        var returnUrl = http.Request.Query["returnUrl"].ToString();
        if (returnUrl.Length > 0 && !SmartSession.IsLocal(returnUrl))
        {
            await ProSanteConnectPages.WriteAsync(http, PscOutcome.BadReturnUrl, returnUrl);
            return;
        }
        // PSC's configuration (endpoints, keys; cached by OpenIddict): when PSC cannot be reached, a page that says so
        // rather than OpenIddict's plain-text error of a failed challenge.
        try
        {
            await client.GetServerConfigurationByProviderNameAsync(ProSanteConnectFederation.ProviderName, http.RequestAborted);
        }
        catch (Exception e) when (e is OpenIddictExceptions.ProtocolException or HttpRequestException or InvalidOperationException)
        {
            loggers.CreateLogger(typeof(ProSanteConnectEndpoints)).LogWarning("Pro Santé Connect ({Issuer}) cannot be reached: {Error}", psc.Issuer, e.Message);
            await ProSanteConnectPages.WriteAsync(http, PscOutcome.Unavailable);
            return;
        }
        // The return URL travels in OpenIddict's state token (signed and encrypted), not in a cookie of ours.
        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.ProviderName] = ProSanteConnectFederation.ProviderName,
        })
        {
            RedirectUri = returnUrl,
        };
        properties.Parameters[Parameters.AcrValues] = psc.AcrValues;
        await http.ChallengeAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme, properties);
    }

    /// <summary>The redirection endpoint, after OpenIddict has checked the state, exchanged the code and validated the tokens.</summary>
    public static async Task Callback(HttpContext http, ProSanteConnectSettings psc, PractitionerDirectory directory, ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger(typeof(ProSanteConnectEndpoints));
        var result = await http.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded || result.Principal.Identity?.IsAuthenticated != true)
        {
            // A forged, replayed or foreign state, an ID token whose nonce is not ours, an error from PSC…
            var error = Error(http, result);
            log.LogWarning("Pro Santé Connect sign-in failed: {Error}", error);
            await ProSanteConnectPages.WriteAsync(http, PscOutcome.Failed, error);
            return;
        }
        var identityToken = result.Properties.GetParameter<ClaimsPrincipal>(OpenIddictClientAspNetCoreConstants.Properties.BackchannelIdentityTokenPrincipal);
        var acr = identityToken?.FindFirst(Claims.AuthenticationContextReference)?.Value ?? "";
        if (!psc.AcceptedAcr.Contains(acr, StringComparer.Ordinal))
        {
            log.LogWarning("Pro Santé Connect sign-in refused: acr '{Acr}' is not one of {Accepted}", acr, psc.AcrValues);
            await ProSanteConnectPages.WriteAsync(http, PscOutcome.WeakAuthentication, acr, psc.AcrValues);
            return;
        }
        var user = result.Principal;
        if (user.FindFirst(SubjectNameId)?.Value is not { Length: > 0 } idNatPs)
        {
            log.LogWarning("Pro Santé Connect sign-in refused: no {Claim} claim (subject {Subject})", SubjectNameId, user.FindFirst(Claims.Subject)?.Value);
            await ProSanteConnectPages.WriteAsync(http, PscOutcome.NoNationalId);
            return;
        }
        var match = await directory.FindAsync(idNatPs, FhirEndpoints.BaseUrl(http.Request), http.RequestAborted);
        if (match.Kind != PractitionerMatchKind.Found)
        {
            log.LogWarning("Pro Santé Connect sign-in refused for IdNatPS {IdNatPs}: {Kind}", idNatPs, match.Kind);
            await ProSanteConnectPages.WriteAsync(http, match.Kind switch
            {
                PractitionerMatchKind.Several => PscOutcome.SeveralPractitioners,
                PractitionerMatchKind.Inactive => PscOutcome.InactivePractitioner,
                _ => PscOutcome.UnknownPractitioner,
            }, idNatPs);
            return;
        }
        var fhirUser = "Practitioner/" + match.Id;
        var name = Name(user) ?? match.Name ?? idNatPs;
        var idToken = result.Properties.GetTokenValue(OpenIddictClientAspNetCoreConstants.Tokens.BackchannelIdentityToken);
        await SmartSession.SignInAsync(http, new SignedInUser(idNatPs, name, fhirUser, SmartSession.ProSanteConnectProvider), ExtraClaims(user, acr, idToken));
        log.LogInformation("Pro Santé Connect sign-in: IdNatPS {IdNatPs} as {FhirUser}", idNatPs, fhirUser);
        if (result.Properties.RedirectUri is { Length: > 0 } returnUrl && SmartSession.IsLocal(returnUrl))
        {
            http.Response.Redirect(returnUrl);
            return;
        }
        await ProSanteConnectPages.WriteAsync(http, PscOutcome.SignedIn, name, fhirUser);
    }

    /// <summary>
    /// PSC's post-logout redirection, after OpenIddict has checked the state: back to the end-session request being
    /// answered (<see cref="SignOutEndpoint"/>), else a page that says the user is signed out.
    /// </summary>
    public static async Task SignedOut(HttpContext http, ILoggerFactory loggers)
    {
        var result = await http.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        if (result.Succeeded && result.Properties?.RedirectUri is { Length: > 0 } back && SmartSession.IsLocal(back))
        {
            http.Response.Redirect(back);
            return;
        }
        if (!result.Succeeded) loggers.CreateLogger(typeof(ProSanteConnectEndpoints)).LogWarning("Pro Santé Connect sign-out answer refused: {Error}", Error(http, result));
        var texts = SmartTexts.For(http);
        await SmartPage.Html(http, texts, texts.SignedOutTitle, $"<p>{SmartPage.Encode(texts.SignedOut)}</p>\n").ExecuteAsync(http);
    }

    private static string Error(HttpContext http, AuthenticateResult result)
    {
        // With error pass-through, an error of the redirection endpoint is OpenIddict's response; else the failure's.
        var response = http.GetOpenIddictClientResponse();
        var error = response?.Error ?? result.Properties?.GetString(OpenIddictClientAspNetCoreConstants.Properties.Error);
        var description = response?.ErrorDescription ?? result.Properties?.GetString(OpenIddictClientAspNetCoreConstants.Properties.ErrorDescription);
        return (error, description) switch
        {
            (null, null) => result.Failure?.Message ?? "no response",
            (_, null) => error!,
            _ => $"{error}: {description}",
        };
    }

    private static string? Name(ClaimsPrincipal user)
    {
        var parts = new[] { user.FindFirst(Claims.GivenName)?.Value, user.FindFirst(Claims.FamilyName)?.Value }.Where(p => !string.IsNullOrWhiteSpace(p));
        return string.Join(' ', parts) is { Length: > 0 } name ? name : null;
    }

    // Kept beside the contract's claims: the authentication level, and PSC's professional exercises as they came.
    private static IEnumerable<Claim> ExtraClaims(ClaimsPrincipal user, string acr, string? idToken)
    {
        yield return new Claim(Claims.AuthenticationContextReference, acr);
        if (idToken is not null) yield return new Claim(IdTokenClaim, idToken);
        if (user.FindFirst(SubjectRefPro) is { } refPro) yield return new Claim(SubjectRefPro, refPro.Value, refPro.ValueType);
    }
}
