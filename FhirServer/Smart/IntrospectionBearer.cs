using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// SMART App Launch "Token Introspection", authorization to introspect: a resource server may authenticate to the
/// introspection endpoint with a bearer token instead of its client credentials, and may then introspect tokens issued
/// to any client. The bearer token must be an access token of this server, valid (signature, expiry, its entry in the
/// token store not revoked: OpenIddict's own validation of a token) and issued to a client configured with <see cref="SmartClient.Introspector"/>; any other is refused
/// with <c>invalid_client</c> (401, RFC 7662 section 2.1). A request with client credentials (or a <c>client_id</c>)
/// is OpenIddict's as before: it answers a client only about tokens it presented or is an audience of.
/// </summary>
/// <remarks>
/// OpenIddict requires a <c>client_id</c> at the introspection endpoint (its <c>ValidateClientId</c> handler): that
/// handler is kept, with <see cref="UnlessBearer"/> as a filter, so that it stands aside for a request this handler
/// authenticated. Without a <c>client_id</c>, OpenIddict's checks of the caller against the token (presenter,
/// audience) do not apply: the introspector sees every token of this server.
/// </remarks>
public sealed class IntrospectionBearer(SmartSettings settings, IOpenIddictServerDispatcher dispatcher) : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessAuthenticationContext>
{
    private const string Property = "smart:introspection-bearer-client";

    /// <summary>Just before OpenIddict's <c>ValidateClientId</c>.</summary>
    public static int Order => OpenIddictServerHandlers.ValidateClientId.Descriptor.Order - 1;

    public async ValueTask HandleAsync(OpenIddictServerEvents.ProcessAuthenticationContext context)
    {
        if (context.EndpointType != OpenIddictServerEndpointType.Introspection || !string.IsNullOrEmpty(context.ClientId)) return;
        if (context.Transaction.GetHttpRequest() is not { } request
            || !request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return;
        var validation = new OpenIddictServerEvents.ValidateTokenContext(context.Transaction)
        {
            Token = request.Headers.Authorization.ToString()["Bearer ".Length..].Trim(),
            TokenTypeHint = TokenTypeHints.AccessToken,
            // Any access token of this server: its audience is the FHIR API, its presenter the client.
            DisableAudienceValidation = true,
            DisablePresenterValidation = true,
        };
        validation.ValidTokenTypes.Add(TokenTypeIdentifiers.AccessToken);
        await dispatcher.DispatchAsync(validation);
        if (validation.IsRejected || validation.Principal is null)
        {
            context.Logger.LogInformation("Introspection refused: the bearer token is not valid.");
            context.Reject(Errors.InvalidClient, "The bearer token is not valid (expired, revoked, or not issued by this server).");
            return;
        }
        var clientId = validation.Principal.GetClaim(ContractClaims.ClientId) ?? validation.Principal.GetPresenters().FirstOrDefault();
        if (settings.FindClient(clientId) is not { Introspector: true })
        {
            context.Logger.LogInformation("Introspection refused: the bearer token's client {Client} is not an introspector.", clientId);
            context.Reject(Errors.InvalidClient, "The bearer token's client is not allowed to introspect tokens (Smart:Clients:*:Introspector).");
            return;
        }
        context.Transaction.SetProperty(Property, clientId);
        context.Logger.LogInformation("Introspection by bearer token of client {Client}.", clientId);
    }

    /// <summary>OpenIddict's <c>ValidateClientId</c>, filtered by <see cref="UnlessBearer"/>.</summary>
    public static void FilterClientIdCheck(OpenIddictServerOptions options)
    {
        var i = options.Handlers.FindIndex(d => d.ServiceDescriptor.ServiceType == typeof(OpenIddictServerHandlers.ValidateClientId));
        if (i < 0) throw new InvalidOperationException("OpenIddict's ValidateClientId handler is not registered.");
        options.Handlers[i] = OpenIddictServerHandlerDescriptor.CreateBuilder<OpenIddictServerEvents.ProcessAuthenticationContext>()
            .Import(options.Handlers[i]).AddFilter<UnlessBearer>().Build();
    }

    /// <summary>Active unless the request was authenticated by an introspector's bearer token.</summary>
    public sealed class UnlessBearer : IOpenIddictServerHandlerFilter<OpenIddictServerEvents.ProcessAuthenticationContext>
    {
        public ValueTask<bool> IsActiveAsync(OpenIddictServerEvents.ProcessAuthenticationContext context) =>
            new(context.Transaction.GetProperty<string>(Property) is null);
    }
}
