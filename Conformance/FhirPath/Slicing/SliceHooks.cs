using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Slicing;

/// <summary>
/// What deciding slice membership may need beyond the definitions: following a reference (<c>resolve()</c>),
/// value set membership (a discriminator on a required binding) and conformance to a profile (a <c>profile</c>
/// discriminator). A hook left null makes the discriminators that need it undecided.
/// </summary>
public readonly record struct SliceHooks(
    Func<ElementNode, ElementNode?>? Resolve,
    Func<ElementNode, string, bool?>? MemberOf,
    Func<ElementNode, string, bool?>? ConformsTo)
{
    public static SliceHooks None => default;
}
