using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Rest;
using FhirServer.Search;

namespace FhirServer.Http;

/// <summary>
/// The search interaction (R4 http.html#search, search.html): <c>GET /{type}?…</c>, <c>POST /{type}/_search</c>
/// (form body), and compartment search <c>GET /{Compartment}/{id}/{type}</c>. Answers a searchset Bundle with
/// self/next/previous links, the total when asked, included resources, and an OperationOutcome entry naming the
/// parameters that were ignored.
/// </summary>
public static class SearchEndpoints
{
    private static readonly HashSet<string> CompartmentTypes = ["Patient", "Encounter", "RelatedPerson", "Practitioner", "Device"];

    public static IEndpointRouteBuilder MapSearchEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/{type}", http => Search(http, FhirEndpoints.Type(http), Pairs(http.Request.Query), null, $"/{FhirEndpoints.Type(http)}"));
        app.MapPost("/{type}/_search", async http =>
        {
            var type = FhirEndpoints.Type(http);
            var pairs = Pairs(http.Request.Query);
            if (http.Request.HasFormContentType)
                pairs.AddRange(Pairs(await http.Request.ReadFormAsync(http.RequestAborted)));
            else if (http.Request.ContentLength > 0)
                throw new FhirException(StatusCodes.Status415UnsupportedMediaType, "not-supported", "POST _search takes application/x-www-form-urlencoded parameters.");
            await Search(http, type, pairs, null, $"/{type}");
        });
        app.MapGet("/{compartment}/{id}/{type}", http =>
        {
            var compartment = (string)http.Request.RouteValues["compartment"]!;
            var id = FhirEndpoints.Id(http);
            var type = FhirEndpoints.Type(http);
            var spec = Compartment(http.RequestServices.GetRequiredService<ConformanceContext>(), compartment, id, type);
            return Search(http, type, Pairs(http.Request.Query), spec, $"/{compartment}/{id}/{type}");
        });
        return app;
    }

    private static List<KeyValuePair<string, string>> Pairs(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> source) =>
        [.. source.SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? "")))];

    /// <summary>The compartment's parameters for the type, from the CompartmentDefinition of the loaded packages.</summary>
    private static CompartmentSpec Compartment(ConformanceContext conformance, string compartment, string id, string type)
    {
        if (!CompartmentTypes.Contains(compartment)) throw FhirException.NotFound($"'{compartment}' is not a compartment (Patient, Encounter, RelatedPerson, Practitioner, Device).");
        var entry = conformance.Registry.Resolve("http://hl7.org/fhir/CompartmentDefinition/" + compartment.ToLowerInvariant())
                    ?? throw FhirException.NotFound($"The {compartment} CompartmentDefinition is not in the loaded packages.");
        using var doc = conformance.Registry.ReadJson(entry);
        var resource = doc.RootElement.GetProperty("resource").EnumerateArray()
            .FirstOrDefault(r => r.GetProperty("code").GetString() == type);
        var names = resource.ValueKind == System.Text.Json.JsonValueKind.Object && resource.TryGetProperty("param", out var ps)
            ? ps.EnumerateArray().Select(p => p.GetString()!).ToList()
            : [];
        if (names.Count == 0) throw FhirException.BadRequest($"{type} is not part of the {compartment} compartment.");
        return new CompartmentSpec(compartment, id, names.Where(n => n != "{def}").ToList(), names.Contains("{def}") && type == compartment);
    }

    private static async Task Search(HttpContext http, string type, List<KeyValuePair<string, string>> pairs, CompartmentSpec? compartment, string path)
    {
        var services = http.RequestServices;
        var conformance = services.GetRequiredService<ConformanceContext>();
        var strict = (http.Request.Headers["Prefer"].ToString()).Replace(" ", "").Contains("handling=strict", StringComparison.OrdinalIgnoreCase);
        var query = services.GetRequiredService<SearchQueryParser>().Parse(type, pairs, strict);
        var view = ResourceViews.FromQuery(http.Request, conformance.Registry, allowCount: true);
        var baseUrl = FhirEndpoints.BaseUrl(http.Request);
        var page = await services.GetRequiredService<SqlSearch>().RunAsync(query, compartment, baseUrl, http.RequestAborted);

        var self = $"{baseUrl}{path}" + (query.SelfQuery.Length > 0 ? "?" + query.SelfQuery : "");
        string Page(string cursor) => self + (query.SelfQuery.Length > 0 ? "&" : "?") + "_cursor=" + cursor;
        var links = new List<(string, string)> { ("self", query.Cursor is null ? self : Page(query.Cursor)) };
        if (page.NextCursor is not null) links.Add(("next", Page(page.NextCursor)));
        if (page.PreviousCursor is not null) links.Add(("previous", Page(page.PreviousCursor)));
        using var bundle = new BundleJson("searchset", DateTimeOffset.UtcNow, page.Total, links);
        foreach (var (version, mode) in page.Matches.Select(m => (m, "match")).Concat(page.Included.Select(i => (i, "include"))))
        {
            var body = view is null ? version.Body! : View(conformance, version.Body!, view);
            bundle.StartEntry($"{baseUrl}/{version.Type}/{version.Id}", body);
            bundle.Search(mode);
            bundle.EndEntry();
        }
        if (query.Ignored.Count > 0)
        {
            var issues = query.Ignored.Select(i => new OutcomeIssue(IssueSeverity.Warning, "not-supported", $"Ignored: {i}")).ToList();
            bundle.StartEntry(null, OperationOutcomes.Json(issues));
            bundle.Search("outcome");
            bundle.EndEntry();
        }
        await services.GetRequiredService<FhirOutput>().WriteAsync(http, bundle.ToArray(), StatusCodes.Status200OK);
    }

    private static byte[] View(ConformanceContext conformance, byte[] body, Func<ElementNode, ElementNode> view)
    {
        var node = conformance.Json.Parse(body).Resource ?? throw new InvalidOperationException("A stored resource could not be read back");
        return FhirJsonWriter.WriteToBytes(view(node));
    }
}
