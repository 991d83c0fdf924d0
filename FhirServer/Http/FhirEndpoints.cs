using System.Reflection;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Context;

namespace FhirServer.Http;

/// <summary>The FHIR REST endpoints. For now the capability statement (R4 §3.1.0.12 capabilities interaction).</summary>
public static class FhirEndpoints
{
    public static IEndpointRouteBuilder MapFhirEndpoints(this IEndpointRouteBuilder app)
    {
        var startedAt = DateTimeOffset.UtcNow;
        app.MapGet("/metadata", (HttpRequest request, ConformanceContext conformance) =>
        {
            var json = CapabilityStatementJson(conformance, startedAt);
            var parsed = conformance.Json.Parse(json);
            return FhirFormats.Resource(request, parsed.Resource!);
        });
        return app;
    }

    /// <summary>
    /// The CapabilityStatement, generated from what is implemented (only the capabilities interaction so far) and the
    /// packages that are loaded. Built as JSON and read back through our own parser, so it is checked like any input.
    /// </summary>
    private static string CapabilityStatementJson(ConformanceContext conformance, DateTimeOffset startedAt)
    {
        var version = typeof(FhirEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.1.0";
        var plus = version.IndexOf('+');
        if (plus > 0) version = version[..plus];
        var packages = string.Join(", ", conformance.Resolution.Packages.Select(p => $"{p.Name}#{p.Version}"));
        var statement = new JsonObject
        {
            ["resourceType"] = "CapabilityStatement",
            ["status"] = "active",
            ["date"] = startedAt.ToString("yyyy-MM-ddTHH:mm:ssK"),
            ["publisher"] = "FhirServer",
            ["kind"] = "instance",
            ["software"] = new JsonObject { ["name"] = "FhirServer", ["version"] = version },
            ["implementation"] = new JsonObject { ["description"] = $"FHIR R4 server for the French health system; packages loaded: {packages}" },
            ["fhirVersion"] = "4.0.1",
            ["format"] = new JsonArray("application/fhir+json", "application/fhir+xml", "json", "xml"),
            ["rest"] = new JsonArray(new JsonObject
            {
                ["mode"] = "server",
                ["documentation"] = "Only the capabilities interaction is available in this version.",
            }),
        };
        return statement.ToJsonString();
    }
}
