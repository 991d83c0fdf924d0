using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// A resource marked <c>experimental</c> (R4 canonical resources, "for testing purposes … never for real usage") is
/// an error when the validation does not accept experimental content (<see cref="ValidatorOptions.AllowExperimentalContent"/>).
/// </summary>
public sealed class ExperimentalContentCheck : IResourceCheck
{
    public string? ResourceType => null;

    public void Check(ElementNode resource, ValidationState state)
    {
        if (state.Options.AllowExperimentalContent || resource.Child("experimental")?.Value != "true") return;
        state.Report(IssueSeverity.Error, "business-rule", "Experimental content is not allowed in this context", resource);
    }
}
