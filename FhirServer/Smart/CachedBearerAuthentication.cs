using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Validation.AspNetCore;

namespace FhirServer.Smart;

/// <summary>
/// The API's authentication scheme with <c>Auth:Mode=smart</c>: a bearer token seen a moment ago gives the principal
/// validated then (<see cref="TokenStatusCache.GetPrincipalAsync"/>: kept while the token's entry in the token store is
/// kept and <c>valid</c>, and the token not expired), a dictionary look-up in place of the JWT's signature check and
/// OpenIddict's validation pipeline; when the entry's time is up, the entry alone is read again, and the principal
/// given while the entry is unchanged; any other request goes to OpenIddict's validation scheme, whose successes are kept
/// (docs/authorization.md, "Cost"). Challenges and refusals are OpenIddict's. The key is a SHA-256 hash of the token and
/// of the base URL the request came to (without a configured issuer, a token's audience is checked against that URL),
/// so no token is kept in memory.
/// </summary>
public sealed class CachedBearerAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    TokenStatusCache cache, TokenEntryCheck entries) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "SmartBearer";
    private const string Validation = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;

    public static void Configure(AuthenticationSchemeOptions options)
    {
        options.ForwardChallenge = Validation;
        options.ForwardForbid = Validation;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!cache.Enabled || Key(Request) is not { } key) return await ValidateAsync();
        if (await cache.GetPrincipalAsync(key, id => entries.ReadAsync(id, Context.RequestAborted)) is { } principal)
            return AuthenticateResult.Success(new AuthenticationTicket(principal, Validation));
        var result = await ValidateAsync();
        if (result.Succeeded) cache.KeepPrincipal(key, result.Principal);
        return result;
    }

    /// <summary>OpenIddict's validation of the request's token.</summary>
    private async Task<AuthenticateResult> ValidateAsync()
    {
        // It reads the transaction its request handler makes; on the FHIR API that handler has not run
        // (SmartAuthentication): it runs here, only when a token is to be validated. The validation has no endpoint of
        // its own, so it never answers the request there.
        if (Context.Features.Get<OpenIddictValidationAspNetCoreFeature>() is null
            && await Context.RequestServices.GetRequiredService<IAuthenticationHandlerProvider>().GetHandlerAsync(Context, Validation) is IAuthenticationRequestHandler handler)
            await handler.HandleRequestAsync();
        return await Context.AuthenticateAsync(Validation);
    }

    /// <summary>The hash of the request's bearer token (from the Authorization header) and its base URL; null without one.</summary>
    internal static string? Key(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { Length: > 7 } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        var token = value[7..].Trim();
        if (token.Length == 0) return null;
        var text = string.Concat(request.Scheme, "://", request.Host.Value, request.PathBase.Value, "\n", token);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToBase64String(hash);
    }
}
