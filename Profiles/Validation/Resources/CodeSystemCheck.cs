using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// What CodeSystem.content says of the concepts (R4 codesystem.html §4.8.2, valueset-codesystem-content-mode): a
/// supplement has content = supplement (§4.8.8 "Code System Supplements"), "not-present" means no concepts are
/// listed, and a complete code system lists as many concepts as its count states. A supplement's concepts are codes
/// of the system it supplements.
/// </summary>
public sealed class CodeSystemCheck : IResourceCheck
{
    public string? ResourceType => "CodeSystem";

    public void Check(ElementNode resource, ValidationState state)
    {
        if (resource.Child("content") is not { } content) return;
        if (resource.Child("supplements") is { Value: { Length: > 0 } supplements })
        {
            if (content.Value != "supplement")
                state.Report(IssueSeverity.Error, "business-rule", "CodeSystem Supplements SHALL have a content value of 'supplement'", content);
            CheckSupplementedCodes(resource, supplements, state);
        }
        if (content.Value == "not-present" && resource.Child("concept") is { } first)
            state.Report(IssueSeverity.Error, "invalid", "The code system says it has no content present, but concepts are found", first);
        if (content.Value == "complete" && resource.Child("count") is { Value: { } stated } count
            && int.TryParse(stated, out var total) && CountConcepts(resource) is var found && found != total)
            state.Report(IssueSeverity.Error, "invalid",
                $"The code system is complete, but the number of concepts ({found}) does not match the stated total number ({total})", count);
    }

    // A supplement adds to the concepts of its base system; it cannot define codes of its own (R4 §4.8.7).
    private static void CheckSupplementedCodes(ElementNode resource, string supplements, ValidationState state)
    {
        if (state.Terminology is not { } tx) return;
        var bar = supplements.IndexOf('|');
        var (system, version) = bar < 0 ? (supplements, null) : (supplements[..bar], supplements[(bar + 1)..]);
        foreach (var concept in resource.ChildrenNamed("concept"))
            if (concept.Child("code")?.Value is { } code && SystemCodes.IsNotCode(tx, system, code, version))
                state.Report(IssueSeverity.Error, "business-rule",
                    $"The code '{code}' is not declared in the base CodeSystem {system} so is not valid in the supplement", concept);
    }

    // CodeSystem.count: "the total number of concepts defined by the code system", nested ones included.
    private static int CountConcepts(ElementNode parent)
    {
        var n = 0;
        foreach (var concept in parent.ChildrenNamed("concept")) n += 1 + CountConcepts(concept);
        return n;
    }
}
