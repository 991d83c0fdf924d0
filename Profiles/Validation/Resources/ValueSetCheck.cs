using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// ValueSet.compose.include/exclude.system names a code system by its canonical url, which is absolute (R4
/// valueset.html §4.9.5: a contained code system is named by its url, the valueset-system extension pointing at it).
/// </summary>
public sealed class ValueSetCheck : IResourceCheck
{
    public string? ResourceType => "ValueSet";

    public void Check(ElementNode resource, ValidationState state)
    {
        if (resource.Child("compose") is not { } compose) return;
        foreach (var part in compose.Children)
        {
            if (part.Name is not ("include" or "exclude")) continue;
            if (part.Child("system") is { Value: { Length: > 0 } system } && !ResourceChecks.IsAbsolute(system))
                state.Report(IssueSeverity.Error, "invalid",
                    $"URI values in ValueSet.compose.{part.Name}.system must be absolute. To reference a contained code system, use the full CodeSystem URL and reference it using the http://hl7.org/fhir/StructureDefinition/valueset-system extension", part);
        }
    }
}
