using FhirServer.Conformance.Model;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Operations;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Expansion;

/// <summary>
/// One <c>compose.include</c> or <c>compose.exclude</c> (R4 §4.9.5): a system (whole, listed concepts, or
/// filtered), optionally intersected with imported value sets.
/// </summary>
public sealed class ComposeInclude
{
    /// <summary>
    /// A concept the include lists (R4 ValueSet.compose.include.concept): its display and designations in the value set,
    /// the properties its extensions stand for and the extensions an expansion echoes (<see cref="ConceptExtensions"/>).
    /// </summary>
    public sealed record ListedConcept(string Code, string? Display, List<Designation> Designations,
        IReadOnlyList<ConceptProperty> Properties, IReadOnlyList<ElementExtension> Extensions);

    private ComposeInclude(string? system, string? version, IReadOnlyList<ListedConcept> concepts,
        IReadOnlyList<(string Property, string Op, string Value)> filters, IReadOnlyList<string> valueSets)
    {
        System = system;
        Version = version;
        Concepts = concepts;
        Filters = filters;
        ValueSets = valueSets;
    }

    public string? System { get; }
    public string? Version { get; }
    public IReadOnlyList<ListedConcept> Concepts { get; }
    public IReadOnlyList<(string Property, string Op, string Value)> Filters { get; }
    public IReadOnlyList<string> ValueSets { get; }

    public static ComposeInclude Read(ElementNode node)
    {
        // R4 ValueSet.compose.include.filter.value is required (1..1): a filter without one is a broken value set.
        if (node.ChildrenNamed("filter").FirstOrDefault(f => string.IsNullOrEmpty(f.Child("value")?.Value)) is { } filter)
            throw new TerminologyException("invalid", TxMessages.Format(TxMessages.FilterWithoutValue,
                node.Child("system")?.Value, filter.Child("property")?.Value, filter.Child("op")?.Value))
            { Detail = "vs-invalid", MessageId = TxMessages.FilterWithoutValue, Expression = RelativeLocation(filter) };
        return Create(node);
    }

    // The location inside the value set itself, also when it came nested in a request's Parameters.
    private static string RelativeLocation(ElementNode node)
    {
        var location = node.Location;
        if (node.ResourceNode is not { } resource) return location;
        var prefix = resource.Location;
        return location.StartsWith(prefix, StringComparison.Ordinal) ? resource.Type + location[prefix.Length..] : location;
    }

    private static ComposeInclude Create(ElementNode node) => new(
        node.Child("system")?.Value,
        node.Child("version")?.Value,
        [.. node.ChildrenNamed("concept").Where(c => c.Child("code")?.Value is not null).Select(c => new ListedConcept(c.Child("code")!.Value!,
            c.Child("display")?.Value,
            [.. c.ChildrenNamed("designation").Select(CodeSystemIndex.ReadDesignation).OfType<Designation>()],
            [.. ConceptExtensions.PropertiesOf(c)], [.. ConceptExtensions.EchoedOf(c, listedByValueSet: true)]))],
        [.. node.ChildrenNamed("filter").Select(f => (f.Child("property")?.Value ?? "", f.Child("op")?.Value ?? "", f.Child("value")?.Value ?? ""))],
        [.. node.ChildrenNamed("valueSet").Select(v => v.Value).OfType<string>()]);

    /// <summary>Whether a concept of <see cref="System"/> passes this include's concept list and filters (value set imports aside).</summary>
    public Func<Concept, bool> SystemPredicate(CodeSystemIndex cs)
    {
        var filters = Filters.Select(f => FilterTable.Build(cs, f.Property, f.Op, f.Value)).ToList();
        if (Concepts.Count > 0)
        {
            var codes = Concepts.Select(c => c.Code).ToHashSet(cs.CaseSensitive ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
            filters.Add(c => codes.Contains(c.Code));
        }
        return c => filters.All(f => f(c));
    }
}
