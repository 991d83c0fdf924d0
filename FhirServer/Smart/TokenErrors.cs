using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// A client assertion refused for its audience or lifetime comes back from OpenIddict as <c>invalid_token</c>, which is
/// no error of the token endpoint (RFC 6749 section 5.2): the client failed to authenticate, <c>invalid_client</c>.
/// </summary>
public sealed class TokenErrors : IOpenIddictServerHandler<OpenIddictServerEvents.ApplyTokenResponseContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.ApplyTokenResponseContext context)
    {
        if (context.Response.Error == Errors.InvalidToken) context.Response.Error = Errors.InvalidClient;
        return default;
    }
}
