namespace FhirServer.Terminology.Membership;

/// <summary>The answer of a membership check: the code is in the value set, is not, or the server cannot tell.</summary>
public enum Membership
{
    /// <summary>The value set is not known, or it draws on a code system that is not present: nothing can be said.</summary>
    Unknown,
    Member,
    NotMember,
}

/// <summary>
/// In-process membership checks for code bindings (the validator, FHIRPath <c>memberOf()</c>, search <c>:in</c>):
/// many checks against few value sets, so each value set version is expanded once into a hashed set and kept until a
/// source changes. Value sets too large to expand are answered by the compose rules without expanding.
/// </summary>
public interface IValueSetMembership
{
    /// <summary>
    /// Whether <paramref name="system"/>|<paramref name="code"/> is in the value set named by
    /// <paramref name="valueSet"/> (<c>url</c> or <c>url|version</c>); <paramref name="version"/> is the code system's.
    /// </summary>
    Membership IsMember(string valueSet, string system, string code, string? version = null);

    /// <summary>
    /// Whether a bare code (a <c>code</c> element, whose system the binding implies) is in the value set under any of
    /// its systems (R4 fhirpath.html memberOf: "the code is checked against the value set").
    /// </summary>
    Membership IsMember(string valueSet, string code);

    /// <summary>
    /// The code systems the value set draws on (its includes', and those of the value sets it imports); empty when
    /// the value set is not known. A bare code's system is one of these, when the code is defined by one of them.
    /// </summary>
    IReadOnlyCollection<string> Systems(string valueSet);

    /// <summary>Whether the value set named by <paramref name="valueSet"/> (<c>url</c> or <c>url|version</c>) is known here.</summary>
    bool HasValueSet(string valueSet);

    /// <summary>Whether the code system <paramref name="system"/> (in <paramref name="version"/>, when given) is present here, whatever its content.</summary>
    bool HasCodeSystem(string system, string? version = null);

    /// <summary>
    /// The concept <paramref name="code"/> of a code system present with its whole content (its display and
    /// designations, to check a Coding's display against); null when the system is absent, partial, or lacks the code.
    /// </summary>
    Model.Concept? Concept(string system, string code, string? version = null);

    /// <summary>
    /// Whether <paramref name="system"/> names a code system supplement (R4 codesystem.html §4.8.7): it adds to a code
    /// system, it is not one codes come from.
    /// </summary>
    bool IsSupplement(string system, string? version = null);

    /// <summary>
    /// Whether <paramref name="code"/> is defined by the code system <paramref name="system"/>: only a system present
    /// with its whole content (R4 codesystem.html: <c>content</c> = complete) can say a code is not in it, so a
    /// system that is absent, a fragment, an example or not-present answers <see cref="Membership.Unknown"/>.
    /// </summary>
    Membership IsInCodeSystem(string system, string code, string? version = null);

    /// <summary>
    /// The type of a property of the code system, for a filter on it: the type CodeSystem.property declares, else the
    /// type of the FHIR concept property of that code (R4 codesystem-concept-properties: <c>inactive</c> and
    /// <c>notSelectable</c> are booleans…); null when the system is not present or does not know the property.
    /// </summary>
    string? PropertyType(string system, string property, string? version = null);

    /// <summary>
    /// Every system|code of the value set, for a search that turns <c>:in</c> into a list of codes; more than
    /// <paramref name="max"/> codes, or a value set that cannot be expanded, is a <see cref="TerminologyException"/>
    /// (too-costly, not-found) naming the reason.
    /// </summary>
    IReadOnlyList<(string System, string Code)> Codes(string valueSet, int max, string limitName);
}
