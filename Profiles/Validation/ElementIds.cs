using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation;

/// <summary>
/// Element ids (<c>Element.id</c>, R4 element.html: "unique id for the element within a resource") seen in one
/// validation, per resource: the second element of a resource with an id already used there is an error, as the HL7
/// validator reports it. A resource's own id is not an element id, and each nested resource (contained, an entry's)
/// is a scope of its own; an ElementDefinition's id is the id of the element it defines, not its own. Kept in the validation's memo, so made only when an element carries an id.
/// </summary>
internal sealed class ElementIds
{
    private static readonly object Key = new();
    private readonly Dictionary<(ElementNode Resource, string Id), ElementNode> _first = [];

    /// <summary>Records that <paramref name="element"/> (not a resource) has the id <paramref name="id"/>.</summary>
    public static void Seen(ElementNode element, string id, ValidationState state)
    {
        // An ElementDefinition's id names the element it defines (a snapshot and a differential share them).
        if (element.Type == "ElementDefinition" || element.ResourceNode is not { } resource) return;
        var ids = state.Memo(Key, _ => new ElementIds());
        // The same element met again (against a profile after its base, in a tentative probe) is no duplicate.
        if (ids._first.TryAdd((resource, id), element) || ReferenceEquals(ids._first[(resource, id)], element)) return;
        state.Report(IssueSeverity.Error, "invalid", $"Duplicate id value '{id}'", element);
    }
}
