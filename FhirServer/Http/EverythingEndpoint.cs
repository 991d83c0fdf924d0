using System.Globalization;
using FhirServer.Authorization;
using FhirServer.Search;
using FhirServer.Storage;

namespace FhirServer.Http;

/// <summary>
/// <c>GET /Patient/{id}/$everything</c> (R4 patient-operation-everything.html): the patient's compartment, every type
/// of the packaged Patient CompartmentDefinition that has resources (the Patient first, then the types in name order),
/// as a searchset Bundle paged like a search across types. <c>_since</c>, <c>_type</c> and <c>_count</c> are
/// supported; <c>start</c> and <c>end</c> (care dates, whose element differs by type) are reported as ignored.
/// Authorization is the searches': the Patient must be readable (404 otherwise, as a read), and each type is searched
/// through <see cref="SqlSearch.RunAsync"/>, which <see cref="AccessPolicy"/> bounds; types the request may not search
/// are left out, and named in <c>_type</c> they are refused (403).
/// </summary>
public static class EverythingEndpoint
{
    private static readonly HashSet<string> Parameters = ["_since", "_type", "_count", "_cursor", "start", "end", "_format", "_pretty", "_summary", "_elements"];

    public static IEndpointRouteBuilder MapEverythingEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/Patient/{id}/$everything", Everything);
        return app;
    }

    private static async Task Everything(HttpContext http)
    {
        var services = http.RequestServices;
        var ct = http.RequestAborted;
        var id = FhirEndpoints.Id(http);
        var pairs = SearchEndpoints.Pairs(http.Request.Query);
        if (pairs.FirstOrDefault(p => !Parameters.Contains(p.Key)) is { Key: { } unknown })
            throw FhirException.BadRequest($"'{unknown}' is not a parameter of Patient/$everything (_since, _type, _count, start, end).", unknown);
        var patient = await services.GetRequiredService<IResourceStore>().ReadAsync("Patient", id, ct);
        if (patient is null) throw FhirException.NotFound($"Patient/{id} is not known");
        if (patient.Deleted) throw FhirException.Gone($"Patient/{id} was deleted (version {patient.Version})");

        var compartment = services.GetRequiredService<PatientCompartment>();
        var policy = services.GetRequiredService<AccessPolicy>();
        var named = pairs.Where(p => p.Key == "_type").SelectMany(p => p.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToList();
        foreach (var type in named)
        {
            if (compartment.For(type, id) is null)
                throw FhirException.BadRequest($"_type: '{type}' is not a type of the Patient compartment.", "_type");
            policy.Require(type, Interactions.Search);
        }
        var search = services.GetRequiredService<SqlSearch>();
        var stored = await search.StoredTypesAsync(ct);
        var types = (named.Count > 0 ? named.Where(stored.Contains) : stored.Where(t => compartment.For(t, id) is not null))
            .Where(t => policy.Current?.Decide(t, Interactions.Search).Granted ?? true)
            .OrderBy(t => t == "Patient" ? 0 : 1).ThenBy(t => t, StringComparer.Ordinal).ToList();

        var rest = new List<KeyValuePair<string, string>>();
        var selfQuery = new List<string>();
        if (pairs.LastOrDefault(p => p.Key == "_since").Value is { } since)
        {
            if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.None, out _) || !since.Contains('T'))
                throw FhirException.BadRequest($"_since '{since}' is not an instant (R4 instant: a date and time with a time zone).", "_since");
            rest.Add(new("_lastUpdated", "ge" + since));
            selfQuery.Add("_since=" + Uri.EscapeDataString(since));
        }
        if (pairs.LastOrDefault(p => p.Key == "_count").Value is { } count)
        {
            rest.Add(new("_count", count));
            selfQuery.Add("_count=" + Uri.EscapeDataString(count));
        }
        if (named.Count > 0) selfQuery.Add("_type=" + Uri.EscapeDataString(string.Join(',', named)));
        var parser = services.GetRequiredService<SearchQueryParser>();
        var queries = types.Select(t => parser.Parse(t, rest, strict: true)).ToList();
        var pageSize = queries.FirstOrDefault()?.Count ?? 0;
        var cursor = SearchEndpoints.SystemCursor.Decode(pairs.LastOrDefault(p => p.Key == "_cursor").Value, types);

        var baseUrl = FhirEndpoints.BaseUrl(http.Request);
        var page = pageSize > 0
            ? await SearchEndpoints.PageAcrossTypesAsync(search, types, i => queries[i], i => compartment.For(types[i], id), cursor, pageSize,
                services.GetRequiredService<ServerSettings>().MaxPageBytes, baseUrl, ct)
            : SearchEndpoints.TypesPage.Empty;
        var self = $"{baseUrl}/Patient/{id}/$everything" + (selfQuery.Count > 0 ? "?" + string.Join('&', selfQuery) : "");
        string Page(string c) => self + (selfQuery.Count > 0 ? "&" : "?") + "_cursor=" + c;
        var links = new List<(string, string)> { ("self", cursor.Text is null ? self : Page(cursor.Text)) };
        if (page.Next is not null) links.Add(("next", Page(page.Next)));
        var ignored = pairs.Where(p => p.Key is "start" or "end").Select(p => $"{p.Key}: care dates are not filtered by this server").Distinct().ToList();
        await SearchEndpoints.WriteSearchset(http, baseUrl, null, links, page.Matches, page.Included, ignored);
    }
}
