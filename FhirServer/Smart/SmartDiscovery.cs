using System.Text.Json.Nodes;

namespace FhirServer.Smart;

/// <summary>
/// <c>/.well-known/smart-configuration</c> (SMART App Launch 2.x "Conformance"): the endpoints and what works, and
/// only that — a capability appears here once its flow is built and tested.
/// </summary>
public static class SmartDiscovery
{
    /// <summary>What the server supports, in the words of the SMART capability list.</summary>
    public static readonly string[] Capabilities = ["client-confidential-asymmetric", "permission-v1", "permission-v2"];

    public static readonly string[] GrantTypes = ["client_credentials"];

    public static readonly string[] ScopesSupported = ["system/*.cruds", "system/*.rs", "system/*.read", "system/*.write"];

    public static IResult Configuration(HttpContext http, ServerSettings server, SmartSettings smart)
    {
        var issuer = SmartCapabilities.Issuer(http, server);
        var document = new JsonObject
        {
            ["issuer"] = issuer,
            ["jwks_uri"] = issuer + SmartServer.JwksPath,
            ["token_endpoint"] = issuer + SmartServer.TokenPath,
            ["introspection_endpoint"] = issuer + SmartServer.IntrospectionPath,
            ["revocation_endpoint"] = issuer + SmartServer.RevocationPath,
            ["grant_types_supported"] = Array(GrantTypes),
            ["token_endpoint_auth_methods_supported"] = Array(["private_key_jwt"]),
            ["token_endpoint_auth_signing_alg_values_supported"] = Array(["RS384", "ES384"]),
            ["scopes_supported"] = Array(ScopesSupported),
            ["response_types_supported"] = Array(["token"]),
            ["code_challenge_methods_supported"] = Array(["S256"]),
            ["capabilities"] = Array(Capabilities),
        };
        return Results.Text(document.ToJsonString(), "application/json");
    }

    private static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);
}
