using FhirServer.Conformance.Model;

namespace FhirServer.Terminology.Membership;

/// <summary>
/// FHIRPath <c>memberOf(valueSet)</c> (R4 fhirpath.html §2.1.9.1.2 / FHIR extensions) over the membership check, for
/// hosts to set as <c>FhirPathContext.MemberOf</c>: the FHIRPath engine knows no terminology, this is how it gets one.
/// A Coding is checked with its system, a CodeableConcept is a member when one of its codings is, a code (or string)
/// against every system of the value set. Null — an empty result — when the terminology cannot tell.
/// </summary>
public static class FhirPathMemberOf
{
    public static Func<object, string, bool?> For(IValueSetMembership membership) => (item, valueSet) => Answer(Check(membership, item, valueSet));

    private static Membership Check(IValueSetMembership membership, object item, string valueSet)
    {
        switch (item)
        {
            case ElementNode { Type: "Coding" } coding:
                return Coding(membership, coding, valueSet);
            case ElementNode { Type: "CodeableConcept" } concept:
                var any = Membership.NotMember;
                foreach (var coding in concept.ChildrenNamed("coding"))
                    switch (Coding(membership, coding, valueSet))
                    {
                        case Membership.Member: return Membership.Member;
                        case Membership.Unknown: any = Membership.Unknown; break;
                    }
                return any;
            case ElementNode { Value: { } code } node when node.Type is "code" or "string" or "uri":
                return membership.IsMember(valueSet, code);
            case string code:
                return membership.IsMember(valueSet, code);
            default:
                return Membership.Unknown;
        }
    }

    private static Membership Coding(IValueSetMembership membership, ElementNode coding, string valueSet) =>
        coding.Child("system")?.Value is { } system && coding.Child("code")?.Value is { } code
            ? membership.IsMember(valueSet, system, code, coding.Child("version")?.Value)
            : Membership.Unknown;

    private static bool? Answer(Membership membership) => membership switch
    {
        Membership.Member => true,
        Membership.NotMember => false,
        _ => null,
    };
}
