using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Context;

namespace FhirServer.Http;

/// <summary>
/// The CapabilityStatement (R4 http.html#capabilities), generated from what this server implements and the packages
/// it loaded: one <c>rest.resource</c> per resource type of the definitions, with the interactions of
/// <see cref="FhirEndpoints"/>. Built as JSON once, read back through our own parser (checked like any input).
/// </summary>
public sealed class Capabilities(ConformanceContext conformance, ServerSettings settings, FhirOutput output, FhirServer.Search.ISearchParameters searchParameters,
    Smart.SmartCapabilities? smart = null)
{
    // With SMART the statement names the authorization server's URLs, under the issuer: one statement per issuer seen
    // (one when Server:BaseUrl is set), a few kept; more (Host headers made up) are built each time, not kept.
    private const int KeptIssuers = 8;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _byIssuer = new(StringComparer.Ordinal);

    private static readonly string[] TypeInteractions = ["read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create", "search-type"];
    private static readonly byte[] Versions =
        Encoding.UTF8.GetBytes("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"version\",\"valueCode\":\"4.0\"},{\"name\":\"default\",\"valueCode\":\"4.0\"}]}");

    // As the rest of the server writes JSON: characters such as '+' and '<' as they are, not as \u escapes.
    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private byte[]? _json;
    private byte[]? _terminology;

    /// <summary>
    /// GET /metadata: the CapabilityStatement; with <c>mode=terminology</c> the TerminologyCapabilities (R4
    /// capabilitystatement.html, "mode": full, normal or terminology).
    /// </summary>
    public Task WriteAsync(HttpContext http)
    {
        var mode = http.Request.Query["mode"].ToString();
        var json = mode switch
        {
            "" or "full" or "normal" => smart is null ? _json ??= Encoding.UTF8.GetBytes(Build(conformance, settings, searchParameters, _startedAt, null)) : WithSecurity(smart.Issuer(http)),
            "terminology" => _terminology ??= Encoding.UTF8.GetBytes(Terminology.TerminologyCapabilities
                .Build(conformance.Registry, r => Describe(r, settings, _startedAt)).ToJsonString(JsonOptions)),
            _ => throw FhirException.BadRequest($"The mode of /metadata is full, normal or terminology, not '{mode}'.", "mode"),
        };
        return output.WriteAsync(http, json, StatusCodes.Status200OK);
    }

    private byte[] WithSecurity(string issuer)
    {
        if (_byIssuer.TryGetValue(issuer, out var kept)) return kept;
        var json = Encoding.UTF8.GetBytes(Build(conformance, settings, searchParameters, _startedAt, smart!.Security(issuer)));
        if (_byIssuer.Count < KeptIssuers) _byIssuer.TryAdd(issuer, json);
        return json;
    }

    /// <summary>GET /$versions (R4 http.html#versions): the FHIR versions this server answers in, and its default.</summary>
    public Task WriteVersionsAsync(HttpContext http) => output.WriteAsync(http, Versions, StatusCodes.Status200OK);

    private static string SoftwareVersion()
    {
        var version = typeof(Capabilities).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.1.0";
        var plus = version.IndexOf('+');
        return plus > 0 ? version[..plus] : version;
    }

    // The metadata the CapabilityStatement and the TerminologyCapabilities share.
    private static void Describe(JsonObject resource, ServerSettings settings, DateTimeOffset startedAt)
    {
        var version = SoftwareVersion();
        var baseUrl = (settings.BaseUrl ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.TrimEnd('/');
        resource["url"] = baseUrl is null ? "urn:fhirserver:" + (string?)resource["resourceType"] : $"{baseUrl}/metadata";
        resource["version"] = version;
        resource["name"] = "FhirServer";
        resource["title"] = "FhirServer, FHIR R4 server and terminology service";
        resource["status"] = "active";
        resource["date"] = startedAt.ToString("yyyy-MM-ddTHH:mm:ssK");
        resource["publisher"] = "FhirServer";
        resource["kind"] = "instance";
        // The build of the server's assembly stands for its release.
        var built = File.GetLastWriteTimeUtc(typeof(Capabilities).Assembly.Location);
        resource["software"] = new JsonObject { ["name"] = "FhirServer", ["version"] = version, ["releaseDate"] = built.ToString("yyyy-MM-ddTHH:mm:ssZ") };
    }

    private static string Build(ConformanceContext conformance, ServerSettings settings, FhirServer.Search.ISearchParameters searchParameters, DateTimeOffset startedAt,
        JsonObject? security)
    {
        var packages = string.Join(", ", conformance.Resolution.Packages.Select(p => $"{p.Name}#{p.Version}"));
        var registry = conformance.Registry;
        var profiles = ProfilesByType(registry);
        var resources = new JsonArray();
        foreach (var type in registry.TypeNames.Where(t => registry.IsResourceType(t) && t is not ("Resource" or "DomainResource")).Order(StringComparer.Ordinal))
        {
            var interactions = new JsonArray();
            foreach (var code in TypeInteractions) interactions.Add(new JsonObject { ["code"] = code });
            var searchParams = new JsonArray
            {
                new JsonObject { ["name"] = "_id", ["type"] = "token" },
                new JsonObject { ["name"] = "_lastUpdated", ["type"] = "date" },
                new JsonObject { ["name"] = "_list", ["type"] = "token" },
            };
            // What is indexed (ISearchParameters.For): the parameters without index rows (_query; _content and _text unless
            // Server:FullText) are not offered.
            foreach (var p in searchParameters.For(type).Where(p => p.Code is not ("_id" or "_lastUpdated")).OrderBy(p => p.Code, StringComparer.Ordinal))
                searchParams.Add(new JsonObject { ["name"] = p.Code, ["definition"] = p.Url, ["type"] = p.Type.ToString().ToLowerInvariant() });
            resources.Add(new JsonObject
            {
                ["type"] = type,
                ["profile"] = "http://hl7.org/fhir/StructureDefinition/" + type,
                ["interaction"] = interactions,
                // If-Match is honoured (412 on a mismatch): version-aware updates.
                ["versioning"] = "versioned-update",
                ["readHistory"] = true,
                ["updateCreate"] = settings.UpdateCreate,
                ["conditionalCreate"] = true,
                ["conditionalRead"] = "full-support",
                ["conditionalUpdate"] = true,
                ["conditionalDelete"] = "single",
                ["searchInclude"] = new JsonArray("*"),
                ["searchRevInclude"] = new JsonArray("*"),
                ["searchParam"] = searchParams,
            });
            // The loaded packages' profiles of the type (R4 CapabilityStatement.rest.resource.supportedProfile).
            if (profiles.TryGetValue(type, out var supported))
                ((JsonObject)resources[^1]!)["supportedProfile"] = new JsonArray([.. supported.Select(url => (JsonNode)url)]);
            Terminology.TerminologyCapabilities.AddOperations((JsonObject)resources[^1]!, type);
            SnapshotEndpoints.AddOperation((JsonObject)resources[^1]!, type);
            ValidateEndpoint.AddOperation((JsonObject)resources[^1]!);
            EverythingEndpoint.AddOperation((JsonObject)resources[^1]!, type);
        }
        var statement = new JsonObject { ["resourceType"] = "CapabilityStatement" };
        Describe(statement, settings, startedAt);
        var rest = new JsonObject
        {
            ["extension"] = Terminology.TerminologyCapabilities.Features(),
            // The operations of the terminology-server capability statement are implemented (Terminology/).
            ["instantiates"] = new JsonArray("http://hl7.org/fhir/CapabilityStatement/terminology-server"),
            ["implementation"] = new JsonObject { ["description"] = $"FHIR R4 server for the French health system; packages loaded: {packages}" },
            ["fhirVersion"] = "4.0.1",
            // The guides of the loaded packages, by canonical: what the server validates with and serves (read-only).
            ["implementationGuide"] = new JsonArray([.. registry.ListByResourceType("ImplementationGuide")
                .Select(g => g.Url).OfType<string>().Distinct().Order(StringComparer.Ordinal).Select(url => (JsonNode)url)]),
            ["format"] = new JsonArray("application/fhir+json", "application/fhir+xml", "json", "xml"),
            ["patchFormat"] = new JsonArray("application/json-patch+json", "application/fhir+json", "application/fhir+xml"),
            ["rest"] = new JsonArray(new JsonObject
            {
                ["mode"] = "server",
                ["documentation"] = "Versioned resources on SQLite or PostgreSQL; batch and transaction Bundles; search over every SearchParameter of the loaded packages that the server indexes (_text and _content with Server:FullText).",
                ["security"] = security,
                ["resource"] = resources,
                ["interaction"] = new JsonArray(
                    new JsonObject { ["code"] = "transaction" },
                    new JsonObject { ["code"] = "batch" },
                    new JsonObject { ["code"] = "history-system" },
                    new JsonObject { ["code"] = "search-system" }),
                ["operation"] = new JsonArray(new JsonObject { ["name"] = "versions", ["definition"] = "http://hl7.org/fhir/OperationDefinition/CapabilityStatement-versions" }),
            }),
        };
        // R4 CapabilityStatement.rest.security: only with SMART authorization.
        if (security is null) ((JsonObject)rest["rest"]![0]!).Remove("security");
        foreach (var name in rest.Select(p => p.Key).ToList())
        {
            var value = rest[name];
            rest.Remove(name);
            statement[name] = value;
        }
        return statement.ToJsonString(JsonOptions);
    }

    // Constraints on a resource type: StructureDefinitions of kind resource for the type, other than the type's own
    // definition (whose url is the core prefix and the type).
    private static Dictionary<string, List<string>> ProfilesByType(FhirServer.Conformance.Definitions.DefinitionRegistry registry) =>
        registry.ListByResourceType("StructureDefinition")
            .Where(e => e.Entry.Kind == "resource" && e.Entry.Type is not null && e.Url is not null
                        && e.Url != FhirServer.Conformance.Definitions.DefinitionRegistry.CoreStructurePrefix + e.Entry.Type)
            .GroupBy(e => e.Entry.Type!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Url!).Distinct().Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
}
