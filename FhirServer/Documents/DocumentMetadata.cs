using FhirServer.Conformance.Model;
using FhirServer.Conformance.Search;

namespace FhirServer.Documents;

/// <summary>
/// What the IHE MHD rules read of a document's metadata: whose it is (<c>subject</c>), what a reference names on this
/// server, and which kind of List a List is (MHD 4.2 §3.65.4.1.2: SubmissionSet or Folder, by <c>List.code</c>).
/// </summary>
public static class DocumentMetadata
{
    public const string ListTypes = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes";

    /// <summary>
    /// The <c>Type/id</c> a reference names on this server (relative, or absolute on one of its bases, a version
    /// dropped), or null: a contained (<c>#x</c>), external or <c>urn:</c> reference.
    /// </summary>
    public static (string Type, string Id)? Local(string? reference, ServerBases bases)
    {
        if (reference is null) return null;
        if (reference.Contains("://", StringComparison.Ordinal)) reference = bases.LocalPart(reference);
        if (reference is null || reference.StartsWith('#') || reference.StartsWith("urn:", StringComparison.Ordinal)) return null;
        var parts = reference.Split('/');
        return parts.Length is 2 or 4 && parts[0].Length > 0 && parts[1].Length > 0 ? (parts[0], parts[1]) : null;
    }

    /// <summary>
    /// Whose the resource is, comparable between resources: its <c>subject</c>'s reference (<c>Patient/id</c> when it
    /// is on this server, else as written), or else its identifier (<c>system|value</c>); null when it has no subject.
    /// </summary>
    public static string? SubjectKey(ElementNode resource, ServerBases bases)
    {
        if (resource.Child("subject") is not { } subject) return null;
        if (subject.Child("reference")?.Value is { } reference)
            return Local(reference, bases) is var (type, id) ? $"{type}/{id}" : reference;
        return subject.Child("identifier") is { } identifier
            ? $"{identifier.Child("system")?.Value}|{identifier.Child("value")?.Value}"
            : null;
    }

    /// <summary>Whether a List is of the MHD list type <paramref name="code"/> (<c>submissionset</c>, <c>folder</c>).</summary>
    public static bool IsList(ElementNode resource, string code) =>
        resource.Type == "List" && resource.Child("code")?.ChildrenNamed("coding")
            .Any(c => c.Child("system")?.Value == ListTypes && c.Child("code")?.Value == code) == true;
}
