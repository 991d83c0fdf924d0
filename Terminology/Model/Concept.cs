using FhirServer.Conformance.Model;

namespace FhirServer.Terminology.Model;

/// <summary>
/// One concept of a code system with its place in the hierarchy. Parents come from <c>concept.concept</c> nesting
/// and from <c>parent</c>/<c>child</c> properties (R4 §4.8.6 "concept hierarchy"); a concept may have several.
/// </summary>
public sealed class Concept(string code)
{
    public string Code { get; } = code;
    public string? Display { get; set; }
    public string? Definition { get; set; }
    /// <summary>The definition in other languages (translation extensions on <c>definition</c>).</summary>
    public List<(string Language, string Value)> DefinitionTranslations { get; } = [];
    public List<Designation> Designations { get; } = [];
    public List<ConceptProperty> Properties { get; } = [];
    /// <summary>The properties the concept's extensions stand for (weight, label, order: <see cref="ConceptExtensions"/>).</summary>
    public List<ConceptProperty> ExtensionProperties { get; } = [];
    /// <summary>The concept's extensions an expansion echoes (how to render it).</summary>
    public List<ElementExtension> Extensions { get; } = [];
    public List<Concept> Parents { get; } = [];
    public List<Concept> Children { get; } = [];

    /// <summary>Property <c>inactive</c> = true, or <c>status</c> retired/inactive (R4 CodeSystem concept properties).</summary>
    public bool Inactive => HasTrue("inactive") || Status is "retired" or "inactive";

    /// <summary>Deprecated concepts are still active but should not be used in new data.</summary>
    public bool Deprecated => Status == "deprecated" || Properties.Any(p => p.Code == "deprecationDate");

    /// <summary>The concept's structuredefinition-standards-status extension (deprecated, withdrawn…), if any.</summary>
    public string? StandardsStatus { get; set; }

    /// <summary>
    /// <c>notSelectable</c> (R4) or the older <c>abstract</c> property, or a property the code system declares with the
    /// notSelectable URI under a code of its own (<see cref="NotSelectable"/>): the concept groups others and is not a
    /// code to record.
    /// </summary>
    public bool Abstract => NotSelectable || HasTrue("notSelectable") || HasTrue("abstract");

    /// <summary>Set by the code system for a property of its own code whose URI is concept-properties#notSelectable.</summary>
    public bool NotSelectable { get; set; }

    /// <summary>The <c>status</c> property, else the standards status the concept carries as an extension.</summary>
    public string? Status => Properties.FirstOrDefault(p => p.Code == "status")?.Value ?? StandardsStatus;

    /// <summary>Extensions read in (a supplement's after the code system's): a property read again replaces the earlier one.</summary>
    public void AddExtensions(ElementNode node, bool listedByValueSet = false)
    {
        foreach (var property in ConceptExtensions.PropertiesOf(node))
        {
            ExtensionProperties.RemoveAll(p => p.Code == property.Code);
            ExtensionProperties.Add(property);
        }
        Extensions.AddRange(ConceptExtensions.EchoedOf(node, listedByValueSet));
    }

    private bool HasTrue(string code) => Properties.Any(p => p.Code == code && p.Value == "true");

    public void AddChild(Concept child)
    {
        if (ReferenceEquals(child, this) || Children.Contains(child)) return;
        Children.Add(child);
        child.Parents.Add(this);
    }

    /// <summary>This concept's descendants, each once, depth-first (a graph under parent properties may share children).</summary>
    public IEnumerable<Concept> Descendants()
    {
        var seen = new HashSet<Concept>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Concept>(Children.AsEnumerable().Reverse());
        while (stack.Count > 0)
        {
            var c = stack.Pop();
            if (!seen.Add(c)) continue;
            yield return c;
            for (var i = c.Children.Count - 1; i >= 0; i--) stack.Push(c.Children[i]);
        }
    }

    /// <summary>Whether <paramref name="other"/> is this concept or one of its descendants.</summary>
    public bool Subsumes(Concept other)
    {
        // Upwards from the other concept: a concept has few ancestors and may have very many descendants.
        var seen = new HashSet<Concept>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Concept>([other]);
        while (stack.Count > 0)
        {
            var c = stack.Pop();
            if (ReferenceEquals(c, this)) return true;
            if (!seen.Add(c)) continue;
            foreach (var p in c.Parents) stack.Push(p);
        }
        return false;
    }

    public override string ToString() => Display is null ? Code : $"{Code} ({Display})";
}
