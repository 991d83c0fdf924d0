using FhirServer.Terminology.Model;

namespace FhirServer.Terminology.Expansion;

/// <summary>
/// The $expand <c>property</c> parameter: the concept properties returned with each code (R5
/// ValueSet.expansion.contains.property, carried in R4 by the cross-version extensions) and their declarations
/// (expansion.property: code and URI). The <c>status</c> of an inactive concept (retired…) is returned whether asked
/// for or not, as the reference servers do: it tells why the code is inactive.
/// </summary>
public static class ExpansionProperties
{
    private const string Standard = "http://hl7.org/fhir/concept-properties#";

    // The properties every code system has (R4 codesystem.html "Concept Properties").
    private static readonly HashSet<string> StandardCodes = ["definition", "status", "inactive", "notSelectable", "parent", "child", "deprecated", "retirementDate", "deprecationDate"];

    private const string Status = "status";

    public static IReadOnlyList<ConceptProperty> Of(Concept concept, IReadOnlyList<string> wanted)
    {
        var result = new List<ConceptProperty>();
        foreach (var code in (concept.Inactive ? wanted.Append(Status) : wanted).Distinct())
        {
            if (code == "definition")
            {
                if (concept.Definition is { } definition) result.Add(new ConceptProperty("definition", "string", definition));
            }
            else result.AddRange(concept.Properties.Where(p => p.Code == code));
        }
        return result;
    }

    /// <summary>
    /// The declarations of the properties that some returned code has: the definition (an element of the concept more
    /// than a property) first, then the status, then the others in the order asked for, as the reference servers list them.
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
        var order = wanted.Where(c => c == "definition").Append(Status).Concat(wanted).Distinct();
        return [.. order.Where(present.Contains).Select(code => (code,
            systems.Select(s => s.PropertyUris.GetValueOrDefault(code)).FirstOrDefault(u => u is not null)
                ?? (StandardCodes.Contains(code) ? Standard + code : null)))];
    }
}
