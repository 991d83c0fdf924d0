using FhirServer.Terminology.Model;

namespace FhirServer.Terminology.Expansion;

/// <summary>
/// Nests an expansion (ValueSet.expansion.contains.contains, R4 §4.9.8): a code drawn from a code system's hierarchy
/// (a whole system or a filter) goes under its nearest ancestor that is also in the expansion; codes named by a
/// concept list stay flat, in the order of the list.
/// </summary>
public static class ExpansionHierarchy
{
    public static List<ExpansionEntry> Nest(IEnumerable<(ValueSetExpander.Member Member, ExpansionEntry Entry)> entries)
    {
        var roots = new List<ExpansionEntry>();
        var placed = new Dictionary<Concept, ExpansionEntry>(ReferenceEqualityComparer.Instance);
        foreach (var (member, entry) in entries)
        {
            var parent = member.Listed || member.Concept is null ? null : NearestAncestor(member.Concept, placed);
            (parent?.Contains ?? roots).Add(entry);
            if (!member.Listed && member.Concept is not null) placed.TryAdd(member.Concept, entry);
        }
        return roots;
    }

    // Upwards, breadth first: a parent left out of the expansion (inactive, excluded) passes its children on.
    private static ExpansionEntry? NearestAncestor(Concept concept, Dictionary<Concept, ExpansionEntry> placed)
    {
        var seen = new HashSet<Concept>(ReferenceEqualityComparer.Instance);
        var queue = new Queue<Concept>(concept.Parents);
        while (queue.Count > 0)
        {
            var c = queue.Dequeue();
            if (!seen.Add(c)) continue;
            if (placed.TryGetValue(c, out var entry)) return entry;
            foreach (var p in c.Parents) queue.Enqueue(p);
        }
        return null;
    }
}
