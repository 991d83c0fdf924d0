using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace FhirServer.Smart;

/// <summary>
/// <c>CapabilityStatement.rest.security</c> with <c>Auth:Mode=smart</c> (SMART App Launch 2.x conformance.html, "FHIR
/// Authorization Endpoint and Capabilities Discovery using a FHIR CapabilityStatement"): the service
/// <c>SMART-on-FHIR</c>, and the <c>oauth-uris</c> extension with the endpoints the authorization server has (read from
/// OpenIddict's options, so an endpoint appears here once it is registered).
/// </summary>
public sealed class SmartCapabilities(ServerSettings server, IOptionsMonitor<OpenIddictServerOptions> options)
{
    public const string OAuthUris = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
    public const string SecurityService = "http://terminology.hl7.org/CodeSystem/restful-security-service";

    /// <summary>The issuer, without a trailing slash: the first public base URL when configured, else the request's base.</summary>
    public string Issuer(HttpContext http) => SmartServer.FhirBase(http, server);

    public JsonObject Security(string issuer)
    {
        var o = options.CurrentValue;
        var uris = new JsonArray();
        foreach (var (name, endpoints) in new (string, List<Uri>)[]
                 {
                     ("token", o.TokenEndpointUris), ("authorize", o.AuthorizationEndpointUris),
                     ("introspect", o.IntrospectionEndpointUris), ("revoke", o.RevocationEndpointUris),
                 })
        {
            if (endpoints.FirstOrDefault() is not { } endpoint) continue;
            var url = endpoint.IsAbsoluteUri ? endpoint : new Uri(new Uri(issuer + "/"), endpoint);
            uris.Add(new JsonObject { ["url"] = name, ["valueUri"] = url.AbsoluteUri });
        }
        // R4 element order: extension, service, description.
        return new JsonObject
        {
            ["extension"] = new JsonArray(new JsonObject { ["url"] = OAuthUris, ["extension"] = uris }),
            ["service"] = new JsonArray(new JsonObject
            {
                ["coding"] = new JsonArray(new JsonObject { ["system"] = SecurityService, ["code"] = "SMART-on-FHIR", ["display"] = "SMART-on-FHIR" }),
                ["text"] = "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)",
            }),
            ["description"] = $"SMART App Launch 2.x: every interaction needs an access token; see {issuer}{SmartServer.SmartConfigurationPath}.",
        };
    }
}
