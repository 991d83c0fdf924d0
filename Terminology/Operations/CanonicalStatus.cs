using FhirServer.Conformance.Model;
using FhirServer.Terminology.Model;

namespace FhirServer.Terminology.Operations;

/// <summary>
/// The publication status of the code systems and value sets a validation used, reported as information: a
/// deprecated, withdrawn or retired resource always, an experimental or draft one when the value set that uses it is
/// not itself experimental or draft (R4 §4.9.1 status, and the structuredefinition-standards-status extension).
/// </summary>
public static class CanonicalStatus
{
    public const string StandardsStatusUrl = "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status";

    public sealed record Info(string Type, string Name, string? Status, string? StandardsStatus, bool Experimental);

    public static Info Of(ElementNode resource) => new(resource.Type,
        (resource.Child("url")?.Value ?? "") + (resource.Child("version")?.Value is { } v ? "|" + v : ""),
        resource.Child("status")?.Value, Extension(resource, StandardsStatusUrl), resource.Child("experimental")?.Value == "true");

    public static Info Of(CodeSystemIndex cs) => new("CodeSystem", CodeCheck.Versioned(cs), cs.Status, cs.StandardsStatus, cs.Experimental);

    public static string? Extension(ElementNode node, string url) =>
        node.ChildrenNamed("extension").FirstOrDefault(e => e.Child("url")?.Value == url)?.Child("value")?.Value;

    /// <summary>The issue for a resource used by <paramref name="source"/>, or none when its status needs no comment.</summary>
    public static ValidationIssue? Check(Info used, Info source)
    {
        var id = used.StandardsStatus switch
        {
            "deprecated" => TxMessages.Deprecated,
            "withdrawn" => TxMessages.Withdrawn,
            _ when used.Status == "retired" => TxMessages.Retired,
            _ when used.Experimental && !source.Experimental => TxMessages.Experimental,
            _ when (used.Status == "draft" || used.StandardsStatus == "draft") && source.Status != "draft" && source.StandardsStatus != "draft" => TxMessages.Draft,
            _ => null,
        };
        return id is null ? null : TxMessages.Issue("information", "business-rule", null, "status-check", id, used.Type, used.Name);
    }
}
