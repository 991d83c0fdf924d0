using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation;

/// <summary>
/// A profile the entries of a Bundle that a rule selects must meet (the HL7 validator's <c>-bundle</c> parameter):
/// <c>Patient</c> every Patient entry, <c>Patient:0</c> the first Patient entry (counted among Patients), <c>2</c>
/// the third entry whatever its type.
/// </summary>
public sealed record BundleEntryProfile(string Rule, string Profile)
{
    private readonly string? _type = Rule.Contains(':') ? Rule[..Rule.IndexOf(':')] : int.TryParse(Rule, out _) ? null : Rule;
    private readonly int? _index = int.TryParse(Rule.Contains(':') ? Rule[(Rule.IndexOf(':') + 1)..] : Rule, out var i) ? i : null;

    /// <summary>Whether the rule selects <paramref name="entry"/> (a Bundle.entry node with a resource).</summary>
    public bool Applies(ElementNode entry)
    {
        if (entry.Child("resource") is not { } resource || entry.Parent is not { } bundle) return false;
        if (_type is not null && _type != resource.Type) return false;
        if (_index is not { } index) return _type is not null;
        // The entry's position: among all entries, or among the entries of its type.
        var position = 0;
        foreach (var e in bundle.ChildrenNamed("entry"))
        {
            if (ReferenceEquals(e, entry)) return position == index;
            if (_type is null || e.Child("resource")?.Type == _type) position++;
        }
        return false;
    }
}
