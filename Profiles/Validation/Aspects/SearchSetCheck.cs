using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// A searchset's entries (R4 search.html §3.1.1.2 and bundle.html: Bundle.entry.search.mode). A match or an include
/// is a resource found on the server, so it has an id; a match is of a type the search asked for (the type of the
/// self link's URL, <c>[base]/[type]?…</c>, or its <c>_type</c> parameter); an outcome entry is an OperationOutcome.
/// Entries without a mode leave their role unknown: the same findings are then warnings. The HL7 validator's rules
/// and messages.
/// </summary>
internal sealed class SearchSetCheck : IElementCheck
{
    private const string NoId = "Search results must have ids";
    private const string NoMode = "SearchSet bundles should have search modes on the entries";

    public void Check(ElementNode node, ValidationState state)
    {
        if (node.Child("type")?.Value != "searchset") return;
        var self = node.ChildrenNamed("link").FirstOrDefault(l => l.Child("relation")?.Value == "self");
        if (self is null)
            state.Report(IssueSeverity.Warning, "invalid", "SearchSet Bundles should have a self link that specifies what the search was", node);
        var types = SearchedTypes(self?.Child("url")?.Value, state);
        var entries = node.ChildrenNamed("entry").ToList();
        if (entries.All(e => ModeOf(e) is null))
        {
            WithoutModes(entries, types, node, state);
            return;
        }
        foreach (var entry in entries)
        {
            var mode = ModeOf(entry);
            if (mode is null) state.Report(IssueSeverity.Warning, "invalid", NoMode, entry);
            if (mode is null || entry.Child("resource") is not { } resource) continue;
            var id = resource.Child("id")?.Value;
            switch (mode)
            {
                case "match":
                    if (id is null) state.Report(IssueSeverity.Error, "invalid", NoId, resource);
                    if (types.Count > 0 && !types.Contains(resource.Type))
                        state.Report(IssueSeverity.Error, "invalid",
                            $"This is not a matching resource type for the specified search ({resource.Type} expecting [{string.Join(", ", types)}])", resource);
                    break;
                case "include":
                    if (id is null) state.Report(IssueSeverity.Error, "invalid", NoId, resource);
                    break;
                default:
                    if (resource.Type != "OperationOutcome")
                        state.Report(IssueSeverity.Error, "invalid", $"This is not an OperationOutcome ({resource.Type})", resource);
                    break;
            }
        }
    }

    // No entry says what it is: a resource of a searched type is taken as a match, anything else is only suspect.
    private static void WithoutModes(List<ElementNode> entries, List<string> types, ElementNode bundle, ValidationState state)
    {
        var typeProblem = false;
        string? matched = null;
        foreach (var entry in entries)
        {
            if (entry.Child("resource") is not { } resource) continue;
            var searched = types.Count == 0 || types.Contains(resource.Type);
            if (!searched)
            {
                typeProblem = true;
                state.Report(IssueSeverity.Warning, "invalid",
                    $"This is not a matching resource type for the specified search (is a search mode needed?) ({resource.Type} expecting [{string.Join(", ", types)}])", entry);
                continue;
            }
            if (types.Count == 0) typeProblem = true;
            if (resource.Type == "OperationOutcome") continue;
            if (resource.Child("id") is null) state.Report(IssueSeverity.Warning, "invalid", NoId, resource);
            if (matched is not null && matched != resource.Type) typeProblem = true;
            matched ??= resource.Type;
        }
        state.Report(typeProblem ? IssueSeverity.Warning : IssueSeverity.Information, "invalid", NoMode, bundle);
    }

    private static string? ModeOf(ElementNode entry) => entry.Child("search")?.Child("mode")?.Value;

    // The types a search URL asks for: [base]/[type]?… names one; a search across types names them in _type.
    private static List<string> SearchedTypes(string? url, ValidationState state)
    {
        if (url is null) return [];
        var question = url.IndexOf('?');
        var path = question < 0 ? url : url[..question];
        var last = path[(path.LastIndexOf('/') + 1)..];
        if (state.Schemas.Registry.IsResourceType(last)) return [last];
        if (question < 0) return [];
        return [.. url[(question + 1)..].Split('&').Where(p => p.StartsWith("_type=", StringComparison.Ordinal))
            .SelectMany(p => p[6..].Split(','))];
    }
}
