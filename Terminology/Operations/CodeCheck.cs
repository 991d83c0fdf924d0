using FhirServer.Terminology.Model;

namespace FhirServer.Terminology.Operations;

/// <summary>
/// The checks shared by both $validate-code operations once a concept is found: the code's case, the display
/// given against the concept's display and designations, and the concept's status.
/// </summary>
public static class CodeCheck
{
    public static void Concept(CodeSystemIndex cs, Concept concept, CodingValue coding, string? displayLanguage, string path, List<ValidationIssue> issues,
        ref string? message)
    {
        if (coding.Code != concept.Code)
        {
            // Only a case-insensitive system finds a code written in another case.
            issues.Add(new("information", "business-rule",
                $"The code '{coding.Code}' differs from the correct code '{concept.Code}' by case. Although the code system '{cs.Url}' is case insensitive, implementers are strongly encouraged to use the correct case anyway",
                At(path, "code"), "code-rule"));
        }
        if (coding.Display is { } display && !Displays.All(concept).Any(d => string.Equals(d, display, StringComparison.OrdinalIgnoreCase)))
        {
            var expected = Displays.For(concept, displayLanguage, cs.Language) ?? concept.Display;
            var text = $"Wrong Display Name '{display}' for {cs.Url}#{concept.Code}. Valid display is '{expected}'" +
                (displayLanguage is null ? "" : $" (for the language(s) '{displayLanguage}')");
            issues.Add(new("error", "invalid", text, At(path, "display"), "invalid-display"));
            message = message is null ? text : message + "; " + text;
        }
        if (concept.Inactive)
            issues.Add(new("warning", "business-rule", $"The concept '{concept.Code}' has a status of {concept.Status ?? "inactive"} and its use should be reviewed", At(path, "code"), "code-comment"));
        else if (concept.Deprecated)
            issues.Add(new("warning", "business-rule", $"The concept '{concept.Code}' is deprecated and its use should be reviewed", At(path, "code"), "code-comment"));
    }

    /// <summary>Where an issue lies: in the request's CodeableConcept or Coding, else the code parameters themselves.</summary>
    public static string Path(ValidateCodeRequest request, int index) =>
        request.IsCodeableConcept ? $"CodeableConcept.coding[{index}]" : request.IsCoding ? "Coding" : "";

    public static string At(string path, string element) => path.Length == 0 ? element : path + "." + element;

    public static string UnknownCode(CodeSystemIndex cs, string code) =>
        $"Unknown code '{code}' in the CodeSystem '{cs.Url}'" + (cs.Version is null ? "" : $" version '{cs.Version}'");
}
