using OpenIddict.Abstractions;
using OpenIddict.Server;

namespace FhirServer.Smart;

/// <summary>
/// SMART App Launch "Token Introspection": the answer for an active token carries its launch context and user
/// (<c>patient</c>, <c>encounter</c>, <c>fhirUser</c>) beside OpenIddict's <c>active</c>, <c>scope</c>,
/// <c>client_id</c>, <c>sub</c> and <c>exp</c>.
/// </summary>
public sealed class IntrospectionClaims : IOpenIddictServerHandler<OpenIddictServerEvents.HandleIntrospectionRequestContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.HandleIntrospectionRequestContext context)
    {
        // OpenIddict leaves the scopes out of the answer; SMART lists them.
        if (context.GenericTokenPrincipal is { } principal && !context.Claims.ContainsKey(OpenIddictConstants.Claims.Scope))
            context.Claims[OpenIddictConstants.Claims.Scope] = string.Join(' ', principal.GetScopes());
        foreach (var name in new[] { ContractClaims.Patient, ContractClaims.Encounter, ContractClaims.FhirUser })
        {
            if (context.GenericTokenPrincipal?.GetClaim(name) is { Length: > 0 } value) context.Claims[name] = value;
        }
        return default;
    }
}
