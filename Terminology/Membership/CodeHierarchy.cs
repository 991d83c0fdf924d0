using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Membership;

/// <summary>
/// Subsumption in a code system for search (R4 search.html token <c>:above</c> / <c>:below</c>): a code with its
/// ancestors or its descendants, as the code system's hierarchy (nesting, parent/child properties) gives them.
/// </summary>
public sealed class CodeHierarchy(TerminologySources sources)
{
    /// <summary>
    /// The code and every code that subsumes it (<paramref name="ancestors"/>) or that it subsumes; a code the system
    /// does not have is only itself. An unknown system is not-found; more than <paramref name="max"/> codes too-costly.
    /// </summary>
    public IReadOnlyList<string> Related(string system, string code, bool ancestors, int max, string limitName)
    {
        var cs = sources.ForRequest().FindCodeSystem(system)
            ?? throw TerminologyException.NotFound($"A definition for CodeSystem '{system}' could not be found, so subsumption cannot be tested");
        if (cs.Find(code) is not { } concept) return [code];
        var related = new List<string> { concept.Code };
        var seen = new HashSet<Model.Concept>(ReferenceEqualityComparer.Instance) { concept };
        var next = new Queue<Model.Concept>([concept]);
        while (next.Count > 0)
            foreach (var other in ancestors ? next.Dequeue().Parents : next.Dequeue().Children)
            {
                if (!seen.Add(other)) continue;
                related.Add(other.Code);
                if (related.Count > max)
                    throw TerminologyException.TooCostly(
                        $"The code '{code}' has more than {max} {(ancestors ? "ancestors" : "descendants")} in the CodeSystem '{system}' ({limitName})");
                next.Enqueue(other);
            }
        return related;
    }
}
