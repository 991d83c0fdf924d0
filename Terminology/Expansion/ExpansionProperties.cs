using FhirServer.Terminology.Model;

namespace FhirServer.Terminology.Expansion;

/// <summary>
/// The $expand <c>property</c> parameter: the concept properties returned with each code (R5
/// ValueSet.expansion.contains.property, carried in R4 by the cross-version extensions) and their declarations
/// (expansion.property: code and URI). Some are returned whether asked for or not, as the reference servers do: the
/// <c>status</c> of an inactive or deprecated concept (it tells why the code should not be used), and the properties
/// the concept's extensions stand for (<c>weight</c>, <c>label</c>, <c>order</c>; a value set's own label or order
/// for a concept it lists wins over the code system's).
/// </summary>
public static class ExpansionProperties
{
    private const string Standard = "http://hl7.org/fhir/concept-properties#";

    // The properties every code system has (R4 codesystem.html "Concept Properties").
    private static readonly HashSet<string> StandardCodes = ["definition", "status", "inactive", "notSelectable", "parent", "child", "deprecated", "retirementDate", "deprecationDate"];

    private const string Status = "status";

    public static IReadOnlyList<ConceptProperty> Of(Concept? concept, ComposeInclude.ListedConcept? listing, IReadOnlyList<string> wanted)
    {
        var result = new List<ConceptProperty>();
        if (concept is not null)
        {
            foreach (var code in wanted.Distinct())
            {
                if (code == "definition")
                {
                    if (concept.Definition is { } definition) result.Add(new ConceptProperty("definition", "string", definition));
                }
                else if (code != Status) result.AddRange(concept.Properties.Where(p => p.Code == code));
            }
            if ((wanted.Contains(Status) || concept.Inactive || concept.Deprecated) && concept.Status is { } status)
                result.Add(concept.Properties.FirstOrDefault(p => p.Code == Status) ?? new ConceptProperty(Status, "code", status));
        }
        var fromExtensions = (listing?.Properties ?? []).Concat(concept?.ExtensionProperties ?? []).DistinctBy(p => p.Code);
        result.AddRange(fromExtensions.Where(p => !result.Any(r => r.Code == p.Code)));
        return result;
    }

    /// <summary>
    /// The declarations of the properties that some returned code has: the definition (an element of the concept more
    /// than a property) first, then the status, then the others in the order asked for, then those read from
    /// extensions, as the reference servers list them.
    /// </summary>
    public static IReadOnlyList<(string Code, string? Uri)> Used(IReadOnlyList<string> wanted, IEnumerable<ExpansionEntry> entries, IReadOnlyList<CodeSystemIndex> systems)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        void Walk(IEnumerable<ExpansionEntry> list)
        {
            foreach (var e in list)
            {
                foreach (var p in e.Properties) present.Add(p.Code);
                Walk(e.Contains);
            }
        }
        Walk(entries);
        var order = wanted.Where(c => c == "definition").Append(Status).Concat(wanted).Concat(ConceptExtensions.PropertyUris.Keys).Distinct();
        return [.. order.Where(present.Contains).Select(code => (code,
            systems.Select(s => s.PropertyUris.GetValueOrDefault(code)).FirstOrDefault(u => u is not null)
                ?? ConceptExtensions.PropertyUris.GetValueOrDefault(code)
                ?? (StandardCodes.Contains(code) ? Standard + code : null)))];
    }
}
