using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.IO;
using FhirServer.Authorization;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Search;
using FhirServer.Rest;
using FhirServer.Search;
using FhirServer.Storage;

namespace FhirServer.Http;

/// <summary>
/// <c>GET|POST /Patient/{id}/$everything</c> (R4 patient-operation-everything.html, OperationDefinition
/// <see cref="Definition"/>): the patient's compartment, every type of the packaged Patient CompartmentDefinition that
/// has resources (the Patient first, then the types in name order), as a searchset Bundle paged like a search across
/// types. <c>_since</c>, <c>_type</c>, <c>_count</c>, <c>start</c> and <c>end</c>, in the query or (POST) in a
/// Parameters body. <c>start</c>/<c>end</c> are care dates (<see cref="CareDateParameters"/>): a resource is left out
/// when its care date lies wholly before <c>start</c> or after <c>end</c>; one without a care date is kept.
/// Authorization is the searches': the Patient must be readable (404 otherwise, as a read), and each type is searched
/// through <see cref="SqlSearch.RunAsync"/>, which <see cref="AccessPolicy"/> bounds; types the request may not search
/// are left out, and named in <c>_type</c> they are refused (403).
/// </summary>
public static class EverythingEndpoint
{
    private static readonly HashSet<string> Parameters = ["_since", "_type", "_count", "_cursor", "start", "end", "_format", "_pretty", "_summary", "_elements"];

    /// <summary>The operation's canonical in the R4 core package.</summary>
    public const string Definition = "http://hl7.org/fhir/OperationDefinition/Patient-everything";

    /// <summary>
    /// A type's care date (the operation's <c>start</c>/<c>end</c>: "care dates, not record currency dates"): the first
    /// of these search parameters the type defines. A request's <c>authoredon</c> comes first (MedicationRequest's
    /// <c>date</c> is its dosage's timing, which a prescription rarely has); then R4's <c>clinical-date</c>
    /// (<c>date</c>), which covers most of the compartment (Observation effective, Encounter period, Immunization
    /// occurrence, Procedure performed…); then the dates of care of types without either (a condition's onset, a
    /// dispensation's hand-over, a claim's creation). Types with none of them are not filtered.
    /// </summary>
    public static readonly string[] CareDateParameters = ["authoredon", "date", "onset-date", "whenhandedover", "created"];

    public static IEndpointRouteBuilder MapEverythingEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/Patient/{id}/$everything", http => Everything(http, SearchEndpoints.Pairs(http.Request.Query)));
        app.MapPost("/Patient/{id}/$everything", async http => await Everything(http, await PostedPairs(http)));
        return app;
    }

    /// <summary>The operation in a CapabilityStatement's Patient resource.</summary>
    public static void AddOperation(JsonObject resource, string type)
    {
        if (type != "Patient") return;
        if (resource["operation"] is not JsonArray operations) resource["operation"] = operations = [];
        operations.Add(new JsonObject { ["name"] = "everything", ["definition"] = Definition });
    }

    // The POST form: the query's parameters, then those of a Parameters body (R4 operations.html#request: the
    // in-parameters of primitive types, here start, end, _since, _type, _count).
    private static async Task<List<KeyValuePair<string, string>>> PostedPairs(HttpContext http)
    {
        var pairs = SearchEndpoints.Pairs(http.Request.Query);
        var body = await http.RequestServices.GetRequiredService<FhirInput>().ReadBytesAsync(http.Request);
        if (body.Length == 0) return pairs;
        var parameters = http.RequestServices.GetRequiredService<FhirInput>().Parse(http.Request, body);
        if (parameters.Type != "Parameters")
            throw FhirException.BadRequest($"The body of Patient/$everything is a Parameters resource, not a {parameters.Type}.", parameters.Type);
        foreach (var parameter in parameters.ChildrenNamed("parameter"))
        {
            var name = parameter.Child("name")?.Value ?? throw FhirException.BadRequest("A parameter has no name.", parameter.Location, "required");
            if (parameter.Child("value") is not { HasValue: true } value)
                throw FhirException.BadRequest($"The parameter '{name}' of Patient/$everything takes a value (value[x]).", parameter.Location);
            pairs.Add(new(name, value.Value!));
        }
        return pairs;
    }

    private static async Task Everything(HttpContext http, List<KeyValuePair<string, string>> pairs)
    {
        using var bundle = await EverythingAsync(http.RequestServices, FhirEndpoints.Id(http), pairs, FhirEndpoints.BaseUrl(http.Request),
            http.Request.Query, http.RequestAborted);
        await http.RequestServices.GetRequiredService<FhirOutput>().WriteAsync(http, bundle, StatusCodes.Status200OK);
    }

    /// <summary>
    /// The parameters' own checks, before anything is read (a transaction entry's are made before it writes): each a
    /// parameter of the operation, <c>_since</c> an instant, <c>start</c>/<c>end</c> dates in order, the types of
    /// <c>_type</c> in the Patient compartment, <c>_count</c> a count. Returns the page size.
    /// </summary>
    public static int Check(IServiceProvider services, IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        if (pairs.FirstOrDefault(p => !Parameters.Contains(p.Key)) is { Key: { } unknown })
            throw FhirException.BadRequest($"'{unknown}' is not a parameter of Patient/$everything (_since, _type, _count, start, end).", unknown);
        var compartment = services.GetRequiredService<PatientCompartment>();
        foreach (var type in NamedTypes(pairs))
            if (compartment.For(type, "any") is null)
                throw FhirException.BadRequest($"_type: '{type}' is not a type of the Patient compartment.", "_type");
        if (pairs.LastOrDefault(p => p.Key == "_since").Value is { } since
            && (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.None, out _) || !since.Contains('T')))
            throw FhirException.BadRequest($"_since '{since}' is not an instant (R4 instant: a date and time with a time zone).", "_since");
        var start = CareDate(pairs, "start");
        var end = CareDate(pairs, "end");
        if (start is { } s && end is { } e && DateRange.TryParse(s, out var low) && DateRange.TryParse(e, out var high) && high.High <= low.Low)
            throw FhirException.BadRequest($"end '{e}' is before start '{s}'.", "end");
        var count = pairs.Where(p => p.Key == "_count").TakeLast(1).ToList();
        return services.GetRequiredService<SearchQueryParser>().Parse("Patient", count, strict: true).Count;
    }

    private static List<string> NamedTypes(IEnumerable<KeyValuePair<string, string>> pairs) =>
        pairs.Where(p => p.Key == "_type").SelectMany(p => p.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToList();

    /// <summary>
    /// The searchset Bundle of <c>Patient/{id}/$everything</c>: for the operation's endpoints, and for a GET of it in a
    /// batch or transaction entry (the same page, links and authorization). <paramref name="query"/> holds
    /// <c>_summary</c> and <c>_elements</c>; a Bundle entry's page is given what is left of its Bundle's answer
    /// (<paramref name="maxBytes"/>). The caller disposes the Bundle's pooled stream.
    /// </summary>
    public static async Task<RecyclableMemoryStream> EverythingAsync(IServiceProvider services, string id, IReadOnlyList<KeyValuePair<string, string>> pairs,
        string baseUrl, IQueryCollection query, CancellationToken ct, long? maxBytes = null)
    {
        Check(services, pairs);
        var patient = await services.GetRequiredService<IResourceStore>().ReadAsync("Patient", id, ct);
        if (patient is null) throw FhirException.NotFound($"Patient/{id} is not known");
        if (patient.Deleted) throw FhirException.Gone($"Patient/{id} was deleted (version {patient.Version})");

        var compartment = services.GetRequiredService<PatientCompartment>();
        var policy = services.GetRequiredService<AccessPolicy>();
        var named = NamedTypes(pairs);
        foreach (var type in named) policy.Require(type, Interactions.Search);
        var search = services.GetRequiredService<SqlSearch>();
        var stored = await search.StoredTypesAsync(ct);
        var types = (named.Count > 0 ? named.Where(stored.Contains) : stored.Where(t => compartment.For(t, id) is not null))
            .Where(t => policy.Current?.Decide(t, Interactions.Search).Granted ?? true)
            .OrderBy(t => t == "Patient" ? 0 : 1).ThenBy(t => t, StringComparer.Ordinal).ToList();

        var rest = new List<KeyValuePair<string, string>>();
        var selfQuery = new List<string>();
        if (pairs.LastOrDefault(p => p.Key == "_since").Value is { } since)
        {
            rest.Add(new("_lastUpdated", "ge" + since));
            selfQuery.Add("_since=" + Uri.EscapeDataString(since));
        }
        var start = CareDate(pairs, "start");
        var end = CareDate(pairs, "end");
        if (start is not null) selfQuery.Add("start=" + Uri.EscapeDataString(start));
        if (end is not null) selfQuery.Add("end=" + Uri.EscapeDataString(end));
        if (pairs.LastOrDefault(p => p.Key == "_count").Value is { } count)
        {
            rest.Add(new("_count", count));
            selfQuery.Add("_count=" + Uri.EscapeDataString(count));
        }
        if (named.Count > 0) selfQuery.Add("_type=" + Uri.EscapeDataString(string.Join(',', named)));
        var parser = services.GetRequiredService<SearchQueryParser>();
        var searchParameters = services.GetRequiredService<ISearchParameters>();
        var queries = types.Select(t => CareDates(parser.Parse(t, rest, strict: true), searchParameters, start, end)).ToList();
        var pageSize = queries.FirstOrDefault()?.Count ?? 0;
        var cursor = SearchEndpoints.SystemCursor.Decode(pairs.LastOrDefault(p => p.Key == "_cursor").Value, types);

        var settings = services.GetRequiredService<ServerSettings>();
        var page = pageSize > 0
            ? await SearchEndpoints.PageAcrossTypesAsync(search, types, i => queries[i], i => compartment.For(types[i], id), cursor, pageSize,
                Math.Min(settings.MaxPageBytes, maxBytes ?? long.MaxValue), baseUrl, ct)
            : SearchEndpoints.TypesPage.Empty;
        var self = $"{baseUrl}/Patient/{id}/$everything" + (selfQuery.Count > 0 ? "?" + string.Join('&', selfQuery) : "");
        string Page(string c) => self + (selfQuery.Count > 0 ? "&" : "?") + "_cursor=" + c;
        var links = new List<(string, string)> { ("self", cursor.Text is null ? self : Page(cursor.Text)) };
        if (page.Next is not null) links.Add(("next", Page(page.Next)));
        var view = ResourceViews.FromQuery(query, services.GetRequiredService<ConformanceContext>().Registry, allowCount: true);
        return SearchEndpoints.Searchset(services, view, baseUrl, null, links, page.Matches, page.Included, []);
    }

    private static string? CareDate(IReadOnlyList<KeyValuePair<string, string>> pairs, string name)
    {
        var given = pairs.Where(p => p.Key == name).ToList();
        if (given.Count > 1) throw FhirException.BadRequest($"{name} is given {given.Count} times; Patient/$everything takes one (0..1).", name);
        if (given.Count == 0) return null;
        var value = given[0].Value;
        if (!DateRange.TryParse(value, out _))
            throw FhirException.BadRequest($"{name} '{value}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD).", name);
        return value;
    }

    // start/end on one type: its care date must not end before start nor begin after end (R4 search.html#prefix: eb,
    // sa), as the :not of those, so that resources without a care date stay in (the operation bounds care, it does not
    // ask for a date). The Patient and types without a care date are not filtered.
    private static SearchQuery CareDates(SearchQuery query, ISearchParameters parameters, string? start, string? end)
    {
        if (start is null && end is null || query.Type == "Patient") return query;
        var parameter = CareDateParameters.Select(code => parameters.Find(query.Type, code)).FirstOrDefault(p => p?.Type == SearchParamType.Date);
        if (parameter is null) return query;
        var outside = new List<SearchValue>();
        if (start is not null) outside.Add(new SearchValue("eb", start));
        if (end is not null) outside.Add(new SearchValue("sa", end));
        return query with { Clauses = [.. query.Clauses, new SearchClause(parameter, parameter.Code, "not", outside)] };
    }
}
