using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// A canonical resource's url is absolute (R4 resource.html §2.4 "Canonical URLs": "SHALL be an absolute URI"),
/// contained ones included: a contained resource is found by its id, so its url, when given, is still a canonical.
/// Only canonical resources have a url element at their root in R4.
/// </summary>
public sealed class CanonicalUrlCheck : IResourceCheck
{
    public string? ResourceType => null;

    public void Check(ElementNode resource, ValidationState state)
    {
        if (resource.Child("url") is not { Value: { Length: > 0 } url } node || ResourceChecks.IsAbsolute(url)) return;
        if (resource.Name == "contained")
            state.Report(IssueSeverity.Error, "invalid",
                $"Canonical URLs in contained resources must be absolute URLs if present ({resource.Child("id")?.Value})", node);
        else if (!url.StartsWith('#'))
            state.Report(IssueSeverity.Error, "invalid",
                $"Canonical URLs must be absolute URLs if they are not fragment references ({url})", node);
    }
}
