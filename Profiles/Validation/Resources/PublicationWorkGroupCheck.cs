using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// With <see cref="ValidatorOptions.ForPublication"/>: a canonical resource HL7 publishes (its url in HL7's spaces,
/// hl7.org/fhir and terminology.hl7.org) names the work group that owns it with the
/// <c>structuredefinition-wg</c> extension (HL7 publishing rules, as the HL7 validator checks them in that mode).
/// Contained resources are not published on their own and are left out.
/// </summary>
public sealed class PublicationWorkGroupCheck : IResourceCheck
{
    private const string WorkGroupExtension = "http://hl7.org/fhir/StructureDefinition/structuredefinition-wg";

    public string? ResourceType => null;

    public void Check(ElementNode resource, ValidationState state)
    {
        if (!state.Options.ForPublication || resource.Name == "contained") return;
        if (resource.Child("url")?.Value is not { } url || !IsHl7Space(url)) return;
        foreach (var extension in resource.ChildrenNamed("extension"))
            if (extension.Child("url")?.Value == WorkGroupExtension) return;
        state.Report(IssueSeverity.Error, "business-rule",
            $"When HL7 is publishing a resource, the owning committee must be stated using the {WorkGroupExtension} extension", resource);
    }

    private static bool IsHl7Space(string url) =>
        url.StartsWith("http://hl7.org/fhir/", StringComparison.Ordinal) || url.StartsWith("http://terminology.hl7.org/", StringComparison.Ordinal);
}
