using FhirServer.Conformance.Model;
using FhirServer.Terminology.Expansion;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>
/// The value sets a value set imports (compose.include/exclude.valueSet, R4 §4.9.5), checked before a validation:
/// one that cannot be found makes the code impossible to judge, and an import that leads back to a value set on
/// the way to it is a broken definition.
/// </summary>
public static class ValueSetImports
{
    public static IEnumerable<string> Of(ElementNode valueSet) =>
        (valueSet.Child("compose") is { } compose ? compose.ChildrenNamed("include").Concat(compose.ChildrenNamed("exclude")) : [])
            .SelectMany(i => i.ChildrenNamed("valueSet")).Select(v => v.Value).OfType<string>();

    /// <summary>
    /// The first imported value set, at any depth, that cannot be found (an import named without a version in the
    /// default-valueset-version given); a circular import is refused.
    /// </summary>
    public static string? FirstMissing(RequestSources sources, ElementNode valueSet, VersionParameters versions)
    {
        var pathway = new List<string> { Url(CodingChecker.Name(valueSet)) };
        return FirstMissing(sources, valueSet, versions, pathway, new HashSet<string>(StringComparer.Ordinal));
    }

    private static string? FirstMissing(RequestSources sources, ElementNode valueSet, VersionParameters versions, List<string> pathway, HashSet<string> done)
    {
        foreach (var canonical in Of(valueSet).Select(versions.Import))
        {
            var url = Url(canonical);
            if (pathway.Contains(url))
                throw new TerminologyException("processing", TxMessages.Format(TxMessages.CircularReference, canonical, string.Join(", ", pathway)))
                    { Detail = "vs-invalid", MessageId = TxMessages.CircularReference };
            if (!done.Add(url)) continue;
            if ((ValueSetExpander.Contained(valueSet, canonical) ?? sources.FindValueSet(canonical)) is not { } imported) return canonical;
            pathway.Add(url);
            var missing = FirstMissing(sources, imported, versions, pathway, done);
            pathway.RemoveAt(pathway.Count - 1);
            if (missing is not null) return missing;
        }
        return null;
    }

    private static string Url(string canonical) => canonical.Split('|')[0];
}
