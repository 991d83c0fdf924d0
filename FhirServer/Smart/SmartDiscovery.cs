using System.Text.Json.Nodes;

namespace FhirServer.Smart;

/// <summary>
/// <c>/.well-known/smart-configuration</c> (SMART App Launch 2.x "Conformance"): the endpoints and what works, and
/// only that — a capability appears here once its flow is built and tested.
/// </summary>
public static class SmartDiscovery
{
    /// <summary>What the server supports, in the words of the SMART capability list.</summary>
    public static readonly string[] Capabilities =
    [
        "launch-ehr", "launch-standalone", "authorize-post",
        "client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
        "sso-openid-connect",
        // SMART 2.x calls the banner "context-banner"; 1.0 called it "context-passthrough-banner": both, for apps of either.
        "context-banner", "context-passthrough-banner", "context-ehr-patient", "context-ehr-encounter", "context-standalone-patient",
        "context-standalone-encounter",
        "permission-offline", "permission-online", "permission-patient", "permission-user", "permission-v1", "permission-v2",
    ];

    public static readonly string[] GrantTypes = ["authorization_code", "client_credentials", "refresh_token"];

    public static readonly string[] ScopesSupported =
    [
        "openid", "fhirUser", "launch", "launch/patient", "launch/encounter", "offline_access", "online_access",
        "patient/*.cruds", "patient/*.rs", "patient/*.read", "patient/*.write", "user/*.cruds", "user/*.rs", "user/*.read", "user/*.write",
        "system/*.cruds", "system/*.rs", "system/*.read", "system/*.write",
    ];

    public static IResult Configuration(HttpContext http, ServerSettings server, SmartSettings smart)
    {
        var issuer = SmartServer.FhirBase(http, server);
        var document = new JsonObject
        {
            ["issuer"] = issuer,
            ["jwks_uri"] = issuer + SmartServer.JwksPath,
            ["authorization_endpoint"] = issuer + SmartServer.AuthorizationPath,
            ["token_endpoint"] = issuer + SmartServer.TokenPath,
            ["introspection_endpoint"] = issuer + SmartServer.IntrospectionPath,
            ["revocation_endpoint"] = issuer + SmartServer.RevocationPath,
            ["grant_types_supported"] = Array(GrantTypes),
            ["token_endpoint_auth_methods_supported"] = Array(["client_secret_basic", "private_key_jwt"]),
            ["token_endpoint_auth_signing_alg_values_supported"] = Array(["RS384", "ES384"]),
            ["scopes_supported"] = Array(ScopesSupported),
            ["response_types_supported"] = Array(["code"]),
            ["code_challenge_methods_supported"] = Array(["S256"]),
            // With a style sheet configured, the token responses carry it (SMART App Launch "Styling").
            ["capabilities"] = Array(smart.StyleUrl is null ? Capabilities : [.. Capabilities, "context-style", "context-passthrough-style"]),
        };
        return Results.Text(document.ToJsonString(), "application/json");
    }

    private static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);
}
