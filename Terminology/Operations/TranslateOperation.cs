using FhirServer.Terminology.Model;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>
/// ConceptMap/$translate (R4 §4.10.16): the mappings of a code through one ConceptMap (named by url, given, or the
/// instance) or through every map in scope (selected by the <c>source</c>/<c>target</c> value sets and the systems).
/// A group whose source system is the code's system applies; an element listing the code gives its targets, each
/// kept when its <c>dependsOn</c> conditions are met by the <c>dependency</c> parameters; a group that does not list
/// the code applies its <c>unmapped</c> rule (R4 ConceptMap.group.unmapped). In reverse, the targets are searched
/// for the code and the elements that map to it are the matches.
/// </summary>
public sealed class TranslateOperation(TerminologySources sources)
{
    public TranslateResult Run(TranslateRequest request)
    {
        var codings = request.Codings.Where(c => c.Code is not null).ToList();
        if (codings.Count == 0) throw TerminologyException.Invalid("$translate needs a code (with its system), a coding or a codeableConcept");
        var forRequest = sources.ForRequest(request.TxResources);
        var named = request.ConceptMap is not null || request.ConceptMapUrl is not null;
        IReadOnlyList<ConceptMapModel> maps = request.ConceptMap is { } node ? [ConceptMapModel.Read(node)]
            : request.ConceptMapUrl is { } url ? [forRequest.FindConceptMap(url) ?? throw TerminologyException.NotFound($"A definition for the ConceptMap '{url}' could not be found")]
            : [.. forRequest.ConceptMaps().Where(m => InScope(m, request))];

        var matches = new List<TranslationMatch>();
        foreach (var coding in codings)
            foreach (var map in maps)
                matches.AddRange(request.Reverse
                    ? Reverse(map, coding, request, named)
                    : Forward(forRequest, map, coding, request, named, new HashSet<string>(StringComparer.Ordinal) { map.Canonical }));

        // R4: result is true when at least one match has an equivalence other than unmatched or disjoint.
        var result = matches.Any(m => m.Equivalence is not ("unmatched" or "disjoint"));
        var what = string.Join(", ", codings.Select(c => $"'{c.System}#{c.Code}'"));
        string? message = result ? null
            : maps.Count == 0 ? $"No ConceptMap applies to {what}"
            : matches.Count == 0 ? $"No translation found for {what}"
            : $"{what} is mapped only as unmatched or disjoint";
        return new TranslateResult(result, message, matches);
    }

    private static IEnumerable<TranslationMatch> Forward(RequestSources sources, ConceptMapModel map, CodingValue coding, TranslateRequest request, bool named,
        HashSet<string> visited)
    {
        foreach (var group in map.Groups)
        {
            if (!Applies(group.Source, coding.System, named) || !Applies(group.Target, request.TargetSystem, named, requestedOnly: true)) continue;
            if (group.SourceVersion is { } sv && coding.Version is { } cv && !VersionPattern.Matches(cv, sv) && !VersionPattern.Matches(sv, cv)) continue;
            var elements = group.Elements.Where(e => e.Code == coding.Code).ToList();
            if (elements.Count == 0)
            {
                foreach (var m in Unmapped(sources, map, group, coding, request, visited)) yield return m;
                continue;
            }
            foreach (var element in elements)
                foreach (var target in element.Targets.Where(t => DependenciesMet(t, request)))
                    yield return new TranslationMatch(target.Equivalence,
                        target.Code is null ? null : new CodingValue(group.Target, target.Code, target.Display, group.TargetVersion),
                        Products(target), map.Canonical, new CodingValue(group.Source ?? coding.System, element.Code, element.Display));
        }
    }

    // R4 ConceptMap.group.unmapped: provided passes the code through, fixed gives one code, other-map tries another map.
    private static IEnumerable<TranslationMatch> Unmapped(RequestSources sources, ConceptMapModel map, MapGroup group, CodingValue coding,
        TranslateRequest request, HashSet<string> visited)
    {
        var matched = coding with { Display = null };
        switch (group.Unmapped)
        {
            case { Mode: "provided" }:
                // The same code is the concept in the target system.
                return [new TranslationMatch("equal", new CodingValue(group.Target, coding.Code, null, group.TargetVersion), [], map.Canonical, matched)];
            case { Mode: "fixed", Code: { } code } fixedCode:
                // A fallback rather than an asserted meaning: some similarity, of an unknown kind.
                return [new TranslationMatch("inexact", new CodingValue(group.Target, code, fixedCode.Display, group.TargetVersion), [], map.Canonical, matched)];
            case { Mode: "other-map", Url: { } url }:
                var other = sources.FindConceptMap(url)
                    ?? throw TerminologyException.NotFound($"The ConceptMap '{url}' named by the unmapped rule of '{map.Canonical}' could not be found");
                // A chain of other-map rules that comes back to a map already used stops there.
                return visited.Add(other.Canonical) ? Forward(sources, other, coding, request, named: true, visited).ToList() : [];
            default:
                return [];
        }
    }

    private static IEnumerable<TranslationMatch> Reverse(ConceptMapModel map, CodingValue coding, TranslateRequest request, bool named)
    {
        // Reversed, the request's system is a group's target, and the target system asked for is a group's source.
        foreach (var group in map.Groups.Where(g => Applies(g.Target, coding.System, named) && Applies(g.Source, request.TargetSystem, named, requestedOnly: true)))
            foreach (var element in group.Elements.Where(e => e.Code is not null))
                foreach (var target in element.Targets.Where(t => t.Code == coding.Code && DependenciesMet(t, request)))
                    yield return new TranslationMatch(target.Equivalence, new CodingValue(group.Source, element.Code, element.Display, group.SourceVersion),
                        Products(target), map.Canonical, new CodingValue(group.Target ?? coding.System, target.Code, target.Display), Reversed: true);
    }

    // A group's system applies when it is the one asked for. A group that names no system applies only in a map the
    // request named; when the request asks for no system (requestedOnly), any group applies.
    private static bool Applies(string? groupSystem, string? requested, bool named, bool requestedOnly = false) =>
        requested is null ? requestedOnly || named : groupSystem is null ? named : groupSystem == requested;

    private static bool DependenciesMet(MapTarget target, TranslateRequest request) =>
        target.DependsOn.All(d => request.Dependencies.Any(p => p.Element == d.Property && p.Concept.Code == d.Value
            && (d.System is null || p.Concept.System is null || d.System == p.Concept.System)));

    private static IReadOnlyList<(string Element, CodingValue Concept)> Products(MapTarget target) =>
        [.. target.Products.Select(p => (p.Property, new CodingValue(p.System, p.Value, p.Display)))];

    // Without a map named, the maps scoped to the source and target value sets asked for (R4 ConceptMap.source[x]/target[x]).
    private static bool InScope(ConceptMapModel map, TranslateRequest request) =>
        (request.Source is null || SameCanonical(map.SourceScope, request.Source)) && (request.Target is null || SameCanonical(map.TargetScope, request.Target));

    private static bool SameCanonical(string? actual, string wanted) =>
        actual is not null && (actual == wanted || actual.Split('|')[0] == wanted.Split('|')[0] && (!wanted.Contains('|') || !actual.Contains('|')));
}
