using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Rest;
using FhirServer.Search;
using FhirServer.Storage;
using Microsoft.IO;

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
            await Search(http, type, await PostedPairs(http), null, $"/{type}");
        });
        app.MapGet("/", http => SystemSearch(http, Pairs(http.Request.Query)));
        app.MapPost("/_search", async http => await SystemSearch(http, await PostedPairs(http)));
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

    /// <summary>The parameters of a <c>POST _search</c>: those of the URL, then those of the form body.</summary>
    private static async Task<List<KeyValuePair<string, string>>> PostedPairs(HttpContext http)
    {
        var pairs = Pairs(http.Request.Query);
        if (http.Request.HasFormContentType)
        {
            try
            {
                pairs.AddRange(Pairs(await http.Request.ReadFormAsync(http.RequestAborted)));
            }
            catch (InvalidDataException e)
            {
                // Past the form reader's limits (1,024 values, 4 MB a value…).
                throw FhirException.BadRequest($"The form body could not be read: {e.Message}");
            }
        }
        else if (http.Request.ContentLength > 0 || http.Request.Headers.TransferEncoding.Count > 0)
            throw new FhirException(StatusCodes.Status415UnsupportedMediaType, "not-supported", "POST _search takes application/x-www-form-urlencoded parameters.");
        return pairs;
    }

    /// <summary>Query parameters as (name, value) pairs, a repeated name once per value.</summary>
    internal static List<KeyValuePair<string, string>> Pairs(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> source) =>
        [.. source.SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? "")))];

    /// <summary>The compartment's parameters for the type, from the CompartmentDefinition of the loaded packages.</summary>
    internal static CompartmentSpec Compartment(ConformanceContext conformance, string compartment, string id, string type)
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

    private static bool Strict(HttpContext http) =>
        http.Request.Headers["Prefer"].ToString().Replace(" ", "").Contains("handling=strict", StringComparison.OrdinalIgnoreCase);

    private static async Task Search(HttpContext http, string type, List<KeyValuePair<string, string>> pairs, CompartmentSpec? compartment, string path)
    {
        using var bundle = await SearchsetAsync(http.RequestServices, type, pairs, Strict(http), compartment, FhirEndpoints.BaseUrl(http.Request), path,
            http.Request.Query, http.RequestAborted);
        await http.RequestServices.GetRequiredService<FhirOutput>().WriteAsync(http, bundle, StatusCodes.Status200OK);
    }

    /// <summary>
    /// The searchset Bundle (JSON) of a search of one type: for the search interaction, and for a search in a batch or
    /// transaction entry. <paramref name="path"/> is what the links start with after the base URL; <paramref name="query"/>
    /// holds <c>_summary</c> and <c>_elements</c>. Invalid parameters → 400, before anything is read. A Bundle entry's
    /// page is given what is left of its Bundle's answer (<paramref name="maxBytes"/>, when below Server:MaxPageBytes), and
    /// is told the rows the search read (<paramref name="rowsRead"/>, SearchPage.RowsRead). The caller disposes the
    /// Bundle's pooled stream.
    /// </summary>
    public static async Task<RecyclableMemoryStream> SearchsetAsync(IServiceProvider services, string type, IReadOnlyList<KeyValuePair<string, string>> pairs, bool strict,
        CompartmentSpec? compartment, string baseUrl, string path, IQueryCollection query, CancellationToken ct, long? maxBytes = null,
        Action<int>? rowsRead = null)
    {
        var settings = services.GetRequiredService<ServerSettings>();
        var parsed = services.GetRequiredService<SearchQueryParser>().Parse(type, pairs, strict);
        if (maxBytes < settings.MaxPageBytes) parsed = parsed with { MaxBytes = maxBytes };
        var view = ResourceViews.FromQuery(query, services.GetRequiredService<ConformanceContext>().Registry, allowCount: true);
        var page = await services.GetRequiredService<PackagedSearch>().RunAsync(parsed, compartment, baseUrl, ct);
        rowsRead?.Invoke(page.RowsRead);

        var self = $"{baseUrl}{path}" + (parsed.SelfQuery.Length > 0 ? "?" + parsed.SelfQuery : "");
        string Page(string cursor) => self + (parsed.SelfQuery.Length > 0 ? "&" : "?") + "_cursor=" + cursor;
        var links = new List<(string, string)> { ("self", parsed.Cursor is null ? self : Page(parsed.Cursor)) };
        if (page.NextCursor is not null) links.Add(("next", Page(page.NextCursor)));
        if (page.PreviousCursor is not null) links.Add(("previous", Page(page.PreviousCursor)));
        return Searchset(services, view, baseUrl, page.Total, links, page.Matches, page.Included,
            WithIncludesStopped(parsed.Ignored, page.IncludesStopped, page.IncludesCut, settings, parsed.MaxBytes));
    }

    // R4 search.html#revinclude lets a server limit iteration (and what it includes); the client is told where it stopped.
    private static IReadOnlyList<string> WithIncludesStopped(IReadOnlyList<string> ignored, bool stopped, bool cut, ServerSettings settings, long? bundleBytesLeft = null)
    {
        IReadOnlyList<string> result = ignored;
        if (stopped)
            result = [.. result, $"_include/_revinclude:iterate after {settings.MaxIncludeIterations} rounds (Server:{nameof(ServerSettings.MaxIncludeIterations)}): what further rounds would reach is not included"];
        if (cut)
        {
            var limit = bundleBytesLeft is { } left
                ? $"{left:N0} bytes, what was left of the Bundle's answer (Server:{nameof(ServerSettings.MaxBundleResponseBytes)})"
                : $"{settings.MaxPageBytes:N0} bytes of the page (Server:{nameof(ServerSettings.MaxPageBytes)})";
            result = [.. result, $"_include/_revinclude past {limit}: some resources they reach are not included; ask for fewer matches (_count)"];
        }
        return result;
    }

    /// <summary>
    /// Search across types (R4 http.html#search, <c>search-system</c>): <c>GET [base]?…</c> and <c>POST [base]/_search</c>.
    /// The types are those of <c>_type</c>, or every type that has a resource; a parameter must be one that all of them
    /// define (otherwise it would select in some types and be ignored, so select everything, in others). The matches
    /// come type by type in name order, each type's in id order; the next link carries the type and that type's
    /// cursor. There is no previous link, and no <c>_sort</c> (an order across types would need every type's matches).
    /// </summary>
    private static async Task SystemSearch(HttpContext http, List<KeyValuePair<string, string>> pairs)
    {
        var services = http.RequestServices;
        var registry = services.GetRequiredService<ConformanceContext>().Registry;
        var parser = services.GetRequiredService<SearchQueryParser>();
        var search = services.GetRequiredService<SqlSearch>();
        var baseUrl = FhirEndpoints.BaseUrl(http.Request);
        var ct = http.RequestAborted;
        if (pairs.Any(p => p.Key.Split(':')[0] == "_sort"))
            throw FhirException.BadRequest("_sort is not supported in a search across types; search one type to sort.", "_sort");
        var named = pairs.Where(p => p.Key == "_type").SelectMany(p => p.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        foreach (var t in named)
            if (!registry.IsResourceType(t) || t is "Resource" or "DomainResource")
                throw FhirException.BadRequest($"_type: '{t}' is not a resource type this server knows.", "_type");
        var types = named.Count > 0 ? named.Distinct().Order(StringComparer.Ordinal).ToList() : await search.StoredTypesAsync(ct);
        var cursor = SystemCursor.Decode(pairs.LastOrDefault(p => p.Key == "_cursor").Value, types);
        var rest = pairs.Where(p => p.Key is not ("_type" or "_cursor")).ToList();
        var strict = Strict(http);
        var queries = types.Select(t => parser.Parse(t, rest, strict)).ToList();

        // Ignored keys ("key: why"): the same for every type, or refused.
        var ignored = queries.Select(q => q.Ignored.Select(i => i[..i.IndexOf(": ", StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal)).ToList();
        foreach (var key in ignored.SelectMany(k => k).Distinct())
        {
            var lacking = types.Where((_, i) => ignored[i].Contains(key)).ToList();
            if (lacking.Count < types.Count)
                throw FhirException.BadRequest($"'{key}' is not a search parameter of every type searched (not of {string.Join(", ", lacking)}).", key);
        }

        var first = queries.FirstOrDefault();
        int? total = null;
        if (first is not null && first.Total != TotalMode.None)
        {
            total = 0;
            foreach (var q in queries)
            {
                var counted = await search.RunAsync(q with { CountOnly = true, Cursor = null }, null, baseUrl, ct);
                total = counted.Total is { } n && total is { } sum ? sum + n : null;
            }
        }
        var page = first is { CountOnly: false, Count: > 0 }
            ? await PageAcrossTypesAsync(search, types, i => queries[i], _ => null, cursor, first.Count, services.GetRequiredService<ServerSettings>().MaxPageBytes, baseUrl, ct)
            : TypesPage.Empty;

        var selfQuery = string.Join('&', new[] { named.Count > 0 ? "_type=" + Uri.EscapeDataString(string.Join(',', types)) : "", first?.SelfQuery ?? "" }
            .Where(x => x.Length > 0));
        var self = $"{baseUrl}/" + (selfQuery.Length > 0 ? "?" + selfQuery : "");
        string Page(string c) => self + (selfQuery.Length > 0 ? "&" : "?") + "_cursor=" + c;
        var links = new List<(string, string)> { ("self", cursor.Text is null ? self : Page(cursor.Text)) };
        if (page.Next is not null) links.Add(("next", Page(page.Next)));
        await WriteSearchset(http, baseUrl, total, links, page.Matches, page.Included,
            WithIncludesStopped(first?.Ignored ?? [], page.IncludesStopped, page.IncludesCut, services.GetRequiredService<ServerSettings>()));
    }

    /// <summary>One page of a search across types: the matches and includes, and the cursor of the next page (null: the last).</summary>
    internal sealed record TypesPage(List<StoredVersion> Matches, List<StoredVersion> Included, bool IncludesStopped, bool IncludesCut, string? Next)
    {
        public static TypesPage Empty => new([], [], false, false, null);
    }

    /// <summary>
    /// A page of <paramref name="count"/> matches across <paramref name="types"/>, type by type from the cursor's (a
    /// search across types; <c>Patient/{id}/$everything</c>, whose types each have their compartment).
    /// </summary>
    internal static async Task<TypesPage> PageAcrossTypesAsync(SqlSearch search, IReadOnlyList<string> types, Func<int, SearchQuery> query,
        Func<int, CompartmentSpec?> compartment, SystemCursor cursor, int count, long maxBytes, string baseUrl, CancellationToken ct)
    {
        var page = TypesPage.Empty;
        var includesStopped = false;
        var includesCut = false;
        var bytesLeft = maxBytes;
        string? next = null;
        for (var i = cursor.TypeIndex; i < types.Count; i++)
        {
            var found = await search.RunAsync(query(i) with
            {
                Count = count - page.Matches.Count, Total = TotalMode.None, Cursor = i == cursor.TypeIndex ? cursor.TypeCursor : null,
                MaxBytes = bytesLeft,
            }, compartment(i), baseUrl, ct);
            page.Matches.AddRange(found.Matches);
            page.Included.AddRange(found.Included);
            includesStopped |= found.IncludesStopped;
            includesCut |= found.IncludesCut;
            // Server:MaxPageBytes bounds the whole page: a type starts only while some of it is left (and then
            // carries at least one match, as any page does).
            bytesLeft -= found.Matches.Concat(found.Included).Sum(PageBytes.Of);
            if (found.NextCursor is not null) next = SystemCursor.Encode(types[i], found.NextCursor);
            else if ((page.Matches.Count >= count || bytesLeft <= 0) && i + 1 < types.Count) next = SystemCursor.Encode(types[i + 1], null);
            if (next is not null) break;
        }
        return page with { IncludesStopped = includesStopped, IncludesCut = includesCut, Next = next };
    }

    /// <summary>Where a search across types goes on: the index of a type, and that type's own cursor (null: its start).</summary>
    internal sealed record SystemCursor(int TypeIndex, string? TypeCursor, string? Text)
    {
        public static string Encode(string type, string? typeCursor) =>
            System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(type + "\n" + typeCursor));

        public static SystemCursor Decode(string? text, List<string> types)
        {
            if (string.IsNullOrEmpty(text)) return new SystemCursor(0, null, null);
            try
            {
                var parts = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(text)).Split('\n', 2);
                var index = types.IndexOf(parts[0]);
                if (parts.Length == 2 && index >= 0) return new SystemCursor(index, parts[1].Length > 0 ? parts[1] : null, text);
            }
            catch (FormatException)
            {
            }
            throw FhirException.BadRequest("_cursor is not a cursor of this search (use the links of the previous page).", "_cursor");
        }
    }

    internal static async Task WriteSearchset(HttpContext http, string baseUrl, int? total, List<(string, string)> links,
        IEnumerable<StoredVersion> matches, IEnumerable<StoredVersion> included, IReadOnlyList<string> ignored)
    {
        var services = http.RequestServices;
        var view = ResourceViews.FromQuery(http.Request, services.GetRequiredService<ConformanceContext>().Registry, allowCount: true);
        using var bundle = Searchset(services, view, baseUrl, total, links, matches, included, ignored);
        await services.GetRequiredService<FhirOutput>().WriteAsync(http, bundle, StatusCodes.Status200OK);
    }

    /// <summary>The searchset Bundle: matches, then included resources, then an OperationOutcome naming what was ignored.</summary>
    internal static RecyclableMemoryStream Searchset(IServiceProvider services, Func<ElementNode, ElementNode>? view, string baseUrl, int? total, List<(string, string)> links,
        IEnumerable<StoredVersion> matches, IEnumerable<StoredVersion> included, IReadOnlyList<string> ignored)
    {
        var conformance = services.GetRequiredService<ConformanceContext>();
        var page = matches.Select(m => (Version: m, Mode: "match")).Concat(included.Select(i => (Version: i, Mode: "include"))).ToList();
        var buffer = services.GetRequiredService<BufferPool>().Rent("searchset");
        try
        {
            using var bundle = new BundleJson(buffer, "searchset", DateTimeOffset.UtcNow, total, links);
            Write(conformance, view, baseUrl, page, ignored, bundle);
            return bundle.Finish();
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    private static void Write(ConformanceContext conformance, Func<ElementNode, ElementNode>? view, string baseUrl, List<(StoredVersion Version, string Mode)> page,
        IReadOnlyList<string> ignored, BundleJson bundle)
    {
        foreach (var (version, mode) in page)
        {
            var body = view is null ? version.Body! : ResourceViews.Apply(conformance, version.Body!, view);
            bundle.StartEntry($"{baseUrl}/{version.Type}/{version.Id}", body);
            bundle.Search(mode);
            bundle.EndEntry();
        }
        if (ignored.Count > 0)
        {
            var issues = ignored.Select(i => new OutcomeIssue(IssueSeverity.Warning, "not-supported", $"Ignored: {i}")).ToList();
            bundle.StartEntry(null, OperationOutcomes.Json(issues));
            bundle.Search("outcome");
            bundle.EndEntry();
        }
    }
}
