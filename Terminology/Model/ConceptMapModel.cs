using FhirServer.Conformance.Model;

namespace FhirServer.Terminology.Model;

/// <summary>
/// A ConceptMap read once (R4 §4.10): its canonical, the source and target value sets it is scoped to, and its
/// groups of element → target mappings. Read the first time a request needs it; the resource tree is not kept.
/// </summary>
public sealed record ConceptMapModel(string? Url, string? Version, string? SourceScope, string? TargetScope, IReadOnlyList<MapGroup> Groups)
{
    /// <summary>The map's canonical as <c>url|version</c> (or the url alone), naming where a match came from.</summary>
    public string Canonical => Version is null ? Url ?? "" : $"{Url}|{Version}";

    public static ConceptMapModel Read(ElementNode map) => new(
        map.Child("url")?.Value,
        map.Child("version")?.Value,
        // R4 source[x] / target[x]: uri or canonical.
        map.Child("source")?.Value,
        map.Child("target")?.Value,
        [.. map.ChildrenNamed("group").Select(ReadGroup)]);

    private static MapGroup ReadGroup(ElementNode group) => new(
        group.Child("source")?.Value,
        group.Child("sourceVersion")?.Value,
        group.Child("target")?.Value,
        group.Child("targetVersion")?.Value,
        [.. group.ChildrenNamed("element").Select(e => new MapElement(e.Child("code")?.Value, e.Child("display")?.Value,
            [.. e.ChildrenNamed("target").Select(ReadTarget)]))],
        group.Child("unmapped") is { } u
            ? new MapUnmapped(u.Child("mode")?.Value ?? "", u.Child("code")?.Value, u.Child("display")?.Value, u.Child("url")?.Value)
            : null);

    private static MapTarget ReadTarget(ElementNode t) => new(
        t.Child("code")?.Value,
        t.Child("display")?.Value,
        // R4 makes equivalence required; a target without one is read as the default, equivalent.
        t.Child("equivalence")?.Value ?? "equivalent",
        t.Child("comment")?.Value,
        [.. t.ChildrenNamed("dependsOn").Select(ReadDependency)],
        [.. t.ChildrenNamed("product").Select(ReadDependency)]);

    private static MapDependency ReadDependency(ElementNode d) =>
        new(d.Child("property")?.Value ?? "", d.Child("system")?.Value, d.Child("value")?.Value ?? "", d.Child("display")?.Value);
}

/// <summary>ConceptMap.group: mappings from one source system to one target system.</summary>
public sealed record MapGroup(string? Source, string? SourceVersion, string? Target, string? TargetVersion, IReadOnlyList<MapElement> Elements,
    MapUnmapped? Unmapped);

/// <summary>ConceptMap.group.element: one source code and what it maps to.</summary>
public sealed record MapElement(string? Code, string? Display, IReadOnlyList<MapTarget> Targets);

/// <summary>ConceptMap.group.element.target: a target code (absent when the equivalence is <c>unmatched</c>) and its conditions.</summary>
public sealed record MapTarget(string? Code, string? Display, string Equivalence, string? Comment, IReadOnlyList<MapDependency> DependsOn,
    IReadOnlyList<MapDependency> Products);

/// <summary>dependsOn / product: another element (by its <c>property</c> uri) and its value.</summary>
public sealed record MapDependency(string Property, string? System, string Value, string? Display);

/// <summary>ConceptMap.group.unmapped: what to do with a source code the group does not list (<c>provided</c>, <c>fixed</c>, <c>other-map</c>).</summary>
public sealed record MapUnmapped(string Mode, string? Code, string? Display, string? Url);
