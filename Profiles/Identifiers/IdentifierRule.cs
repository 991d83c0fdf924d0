using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Identifiers;

/// <summary>
/// A check on Identifier.value that a profile cannot express (a check digit, a structure), bound to the
/// Identifier.system values it applies to. <see cref="Check"/> returns what is wrong with a value, or null.
/// </summary>
/// <param name="Name">How settings and messages name the rule: <c>NIR</c>, <c>RPPS</c>, <c>FINESS</c>…</param>
/// <param name="Systems">The Identifier.system values (URIs, <c>urn:oid:</c> OIDs) the rule is bound to.</param>
/// <param name="Check">The value and the Identifier node (for its type) → a message, or null when the value passes.</param>
/// <param name="ResourceTypes">
/// Resource types whose identifiers the rule checks; empty for all. A system may name different things in different
/// resources (the RPPS system carries a situation d'exercice id in Annuaire PractitionerRole).
/// </param>
public sealed record IdentifierRule(
    string Name,
    IReadOnlyList<string> Systems,
    Func<string, ElementNode, string?> Check,
    IReadOnlyList<string> ResourceTypes)
{
    public IdentifierRule(string name, IReadOnlyList<string> systems, Func<string, ElementNode, string?> check)
        : this(name, systems, check, []) { }

    public bool AppliesTo(string? resourceType) =>
        ResourceTypes.Count == 0 || resourceType is not null && ResourceTypes.Contains(resourceType);
}
