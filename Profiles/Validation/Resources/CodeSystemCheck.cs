using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// A code system that supplements another says so with content = supplement (R4 codesystem.html §4.8.8 "Code
/// System Supplements": "the content element SHALL have the value supplement").
/// </summary>
public sealed class CodeSystemCheck : IResourceCheck
{
    public string? ResourceType => "CodeSystem";

    public void Check(ElementNode resource, ValidationState state)
    {
        if (resource.Child("supplements") is { Value.Length: > 0 } && resource.Child("content") is { } content
            && content.Value != "supplement")
            state.Report(IssueSeverity.Error, "business-rule", "CodeSystem Supplements SHALL have a content value of 'supplement'", content);
    }
}
