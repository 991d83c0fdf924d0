using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// Errors of the endpoints where a client authenticates (token, introspection, revocation) and of the authorization
/// endpoint (an unregistered redirect_uri, PKCE plain…): logged, and a refused client
/// assertion answered <c>invalid_client</c> (SMART client-confidential-asymmetric, "Response": "If an error is
/// encountered during the authentication process, the server SHALL respond with an invalid_client error"). OpenIddict
/// answers some of those checks otherwise: <c>invalid_token</c> for an assertion's audience or lifetime,
/// <c>invalid_request</c> for a missing claim (ID2171, ID2172), <c>invalid_grant</c> when iss, sub and client_id differ
/// (ID2173).
/// </summary>
public sealed class TokenErrors(ILogger<TokenErrors> logger) : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessErrorContext>
{
    /// <summary>Before OpenIddict copies the error into the response.</summary>
    public static int Order => OpenIddictServerHandlers.AttachErrorParameters.Descriptor.Order - 1_000;

    private static readonly string[] AssertionChecks = ["ID2171", "ID2172", "ID2173"];

    public ValueTask HandleAsync(OpenIddictServerEvents.ProcessErrorContext context)
    {
        if (context.EndpointType is not (OpenIddictServerEndpointType.Token or OpenIddictServerEndpointType.Introspection
            or OpenIddictServerEndpointType.Revocation or OpenIddictServerEndpointType.Authorization))
            return default;
        var assertion = !string.IsNullOrEmpty(context.Request?.ClientAssertion);
        if (assertion && context.Error != Errors.InvalidClient
            && ((context.Error == Errors.InvalidToken && context.EndpointType == OpenIddictServerEndpointType.Token)
                || AssertionChecks.Any(id => context.ErrorUri?.EndsWith(id, StringComparison.Ordinal) == true)))
            context.Error = Errors.InvalidClient;
        logger.LogWarning("{Endpoint} request of client {Client} refused: {Error} ({Description})", context.EndpointType,
            context.Request?.ClientId ?? "(none)", context.Error, context.ErrorDescription);
        return default;
    }
}
