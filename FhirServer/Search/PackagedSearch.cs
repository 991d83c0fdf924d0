using System.Collections.Frozen;
using System.Text;
using FhirServer.Conformance.Context;
using FhirServer.Authorization;
using FhirServer.Http;
using FhirServer.Storage;

namespace FhirServer.Search;

/// <summary>
/// The search of a type the loaded packages have conformance resources of (StructureDefinition, ValueSet…): the
/// packaged resources, matched in memory (<see cref="PackagedMatcher"/> over <see cref="PackagedIndex"/>), then the
/// stored ones (<see cref="SqlSearch"/>). The packaged matches come first, in the sort order asked then by id, and
/// the stored after them in theirs; a page that ends among the packaged ones continues with a cursor of its own
/// (<c>pkg.</c> + the last id), one that reaches the stored ones with the store's cursor. A stored resource hides
/// the packaged one of the same id, as a read does. Other types, and compartment searches (no conformance type is
/// in a compartment), go to the store alone.
/// (docs/storage-and-rest.md, "Conformance resources of the loaded packages")
/// </summary>
public sealed class PackagedSearch(PackagedIndex index, SqlSearch store, ConformanceContext conformance, AccessPolicy? policy = null)
{
    // The canonical (definitional) resource types of R4 (conformance, terminology and knowledge artifacts): those the
    // packages define things with. Packaged examples of other types (Bundle, List) are read by id only, so that a
    // search of a clinical type keeps what the store offers (chains, _include…) instead of the in-memory subset.
    private static readonly FrozenSet<string> SearchedTypes = new[]
    {
        "ActivityDefinition", "CapabilityStatement", "ChargeItemDefinition", "CodeSystem", "CompartmentDefinition", "ConceptMap",
        "EffectEvidenceSynthesis", "EventDefinition", "Evidence", "EvidenceVariable", "ExampleScenario", "GraphDefinition",
        "ImplementationGuide", "Library", "Measure", "MessageDefinition", "NamingSystem", "OperationDefinition", "PlanDefinition",
        "Questionnaire", "ResearchDefinition", "ResearchElementDefinition", "RiskEvidenceSynthesis", "SearchParameter",
        "StructureDefinition", "StructureMap", "TerminologyCapabilities", "TestScript", "ValueSet",
    }.ToFrozenSet(StringComparer.Ordinal);

    private const string Forward = "pkg.";
    private const string Backward = "pkg~";

    public async Task<SearchPage> RunAsync(SearchQuery query, CompartmentSpec? compartment, string baseUrl, CancellationToken ct)
    {
        // A request bounded to a patient or a scope's query sees no packaged resource (none is in a compartment): the
        // store's search alone, which applies the bounds.
        if (compartment is not null || !SearchedTypes.Contains(query.Type) || !index.Has(query.Type)
            || policy?.Require(query.Type, Interactions.Search).Restricted == true)
            return await store.RunAsync(query, compartment, baseUrl, ct);
        PackagedMatcher.Check(query);
        var storeCursor = query.Cursor is { } c && !c.StartsWith("pkg", StringComparison.Ordinal) ? c : null;
        // Stored values are checked (a date that is no date → 400) before any packaged page is answered.
        store.Check(query, baseUrl);

        var candidates = index.Rows(query.Type).Where(r => PackagedMatcher.Matches(r, query)).ToList();
        var hidden = await store.StoredIdsAsync(query.Type, candidates.Select(r => r.Id).ToHashSet(StringComparer.Ordinal), ct);
        var matches = Sorted(candidates.Where(r => !hidden.Contains(r.Id)), query);

        int? total = null;
        if (query.Total != TotalMode.None || query.CountOnly)
        {
            var stored = await store.RunAsync(query with { CountOnly = true, Cursor = null }, null, baseUrl, ct);
            total = stored.Total is { } n ? n + matches.Count : null;
        }
        if (query.CountOnly) return new SearchPage([], [], total, null, null);

        if (storeCursor is not null)
        {
            var page = await store.RunAsync(query with { Total = TotalMode.None }, null, baseUrl, ct);
            // The first stored page goes back to the last packaged one.
            return page with { Total = total, PreviousCursor = page.PreviousCursor ?? (matches.Count > 0 ? Backward : null) };
        }

        var (start, end) = Window(query, matches);
        var taken = matches.Skip(start).Take(end - start).ToList();
        var versions = taken.Select(Version).ToList();
        var previous = start > 0 ? Backward + (start < matches.Count ? Encode(matches[start].Id) : "") : null;
        if (end < matches.Count || versions.Count == query.Count)
        {
            // More packaged matches, or the page is full: the next page starts after the last one taken (and reaches the stored ones from there).
            var next = versions.Count > 0 ? Forward + Encode(matches[end - 1].Id) : null;
            return new SearchPage(versions, [], total, next, previous) { RowsRead = versions.Count };
        }
        var rest = await store.RunAsync(query with { Count = query.Count - versions.Count, Cursor = null, Total = TotalMode.None }, null, baseUrl, ct);
        return new SearchPage([.. versions, .. rest.Matches], rest.Included, total, rest.NextCursor, previous, rest.IncludesStopped)
        {
            RowsRead = versions.Count + rest.RowsRead,
        };
    }

    /// <summary>The packaged matches of this page, [start, end), from the cursor: after an id going forward, before one going back.</summary>
    private static (int Start, int End) Window(SearchQuery query, List<PackagedRow> matches)
    {
        if (query.Cursor is not { } cursor) return (0, Math.Min(query.Count, matches.Count));
        var backwards = cursor.StartsWith(Backward, StringComparison.Ordinal);
        if (!backwards && !cursor.StartsWith(Forward, StringComparison.Ordinal)) throw BadCursor();
        var text = cursor[Forward.Length..];
        if (backwards && text.Length == 0)
            return (Math.Max(0, matches.Count - query.Count), matches.Count);
        var id = Decode(text);
        var at = matches.FindIndex(r => r.Id == id);
        if (at < 0) throw BadCursor();
        return backwards ? (Math.Max(0, at - query.Count), at) : (at + 1, Math.Min(matches.Count, at + 1 + query.Count));
    }

    private static FhirException BadCursor() =>
        FhirException.BadRequest("_cursor is not a cursor of this search (use the links of the previous page).", "_cursor");

    private static string Encode(string id) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(id));

    private static string Decode(string text)
    {
        try
        {
            return Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(text));
        }
        catch (FormatException)
        {
            throw BadCursor();
        }
    }

    /// <summary>The matches in the order of <c>_sort</c> (each key's value per <see cref="PackagedMatcher.SortValue"/>), then by id.</summary>
    private static List<PackagedRow> Sorted(IEnumerable<PackagedRow> rows, SearchQuery query)
    {
        if (query.Sort.Count == 0) return rows.ToList(); // already in id order
        var keyed = rows.Select(r => (Row: r, Keys: query.Sort.Select(k => k.Parameter is null
            ? r.Id
            : PackagedMatcher.SortValue(r.Values(k.Code), k.Descending)).ToArray())).ToList();
        keyed.Sort((a, b) =>
        {
            for (var i = 0; i < query.Sort.Count; i++)
            {
                var order = PackagedMatcher.Comparer.Compare(a.Keys[i], b.Keys[i]);
                // A missing value stays last in both directions.
                if (order != 0) return query.Sort[i].Descending && a.Keys[i] is not null && b.Keys[i] is not null ? -order : order;
            }
            return string.CompareOrdinal(a.Row.Id, b.Row.Id);
        });
        return keyed.Select(k => k.Row).ToList();
    }

    private StoredVersion Version(PackagedRow row) =>
        new(row.Entry.ResourceType, row.Id, 1, DateTimeOffset.UnixEpoch, VersionMethod.Create, conformance.Registry.ReadBytes(row.Entry));
}
