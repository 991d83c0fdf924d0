using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.References;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// R4 documents.html §3.3.1: "The document bundle SHALL include only" the Composition, the resources it references
/// directly or indirectly, a stylesheet Binary (Bundle.link relation stylesheet) and Provenance resources about what
/// it holds. An entry nothing leads to from the Composition is an error; one that only leads into the document (it
/// refers to what the Composition reaches) is a warning unless it is a Provenance — the HL7 validator's two messages.
/// References are followed by the Bundle's resolution rules (<see cref="BundleIndex"/>). A document whose first
/// entry is no Composition is bdl-11's to report.
/// </summary>
internal sealed class DocumentContentCheck : IElementCheck
{
    public void Check(ElementNode node, ValidationState state)
    {
        if (node.Child("type")?.Value != "document" || node.Child("entry") is not { } first ||
            first.Child("resource") is not { Type: "Composition" } composition) return;
        var index = BundleIndex.Of(node, state);
        var entries = node.ChildrenNamed("entry").Where(e => e.Child("resource") is not null).ToList();

        // Forward: what the Composition leads to, one walk of each resource reached.
        var reached = new HashSet<ElementNode> { composition };
        var queue = new Queue<ElementNode>([composition]);
        while (queue.Count > 0)
            foreach (var target in Targets(queue.Dequeue(), index))
                if (reached.Add(target)) queue.Enqueue(target);

        var stylesheets = node.ChildrenNamed("link").Where(l => l.Child("relation")?.Value == "stylesheet")
            .Select(l => l.Child("url")?.Value).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var resource = entry.Child("resource")!;
            if (reached.Contains(resource)) continue;
            var fullUrl = entry.Child("fullUrl")?.Value;
            if (fullUrl is not null && stylesheets.Contains(fullUrl)) continue;
            var name = fullUrl ?? $"{resource.Type}/{resource.Child("id")?.Value}";
            if (Targets(resource, index).Any(reached.Contains))
            {
                if (resource.Type != "Provenance")
                    state.Report(IssueSeverity.Warning, "invalid",
                        $"Entry '{name}' isn't reachable by traversing forwards from the Composition. Only Provenance is approved to be used this way (R4 section 3.3.1)", entry);
            }
            else
                state.Report(IssueSeverity.Error, "informational",
                    $"Entry '{name}' isn't reachable by traversing links (forward or backward) from the Composition", entry);
        }
    }

    // The entries' resources a resource refers to (its contained resources' references included).
    private static IEnumerable<ElementNode> Targets(ElementNode resource, BundleIndex index)
    {
        if (resource.Parent is not { Name: "entry" } entry) yield break;
        foreach (var d in resource.Descendants())
        {
            if (d.Name != "reference" || d.Parent?.Type != "Reference" || d.Value is not { Length: > 0 } text || text[0] == '#') continue;
            foreach (var target in index.Resolve(LiteralReference.Parse(text), entry).Matches) yield return target;
        }
    }
}
