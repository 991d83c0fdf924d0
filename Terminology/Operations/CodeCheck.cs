using FhirServer.Terminology.Model;

namespace FhirServer.Terminology.Operations;

/// <summary>
/// The checks shared by both $validate-code operations once a concept is found: the code's case, the display
/// given against the displays valid in the requested languages, and the concept's status.
/// </summary>
public static class CodeCheck
{
    public static void Concept(CodeSystemIndex cs, Concept concept, CodingValue coding, ValidateCodeRequest request, string path, List<ValidationIssue> issues)
    {
        if (coding.Code != concept.Code)
        {
            // Only a case-insensitive system finds a code written in another case.
            issues.Add(TxMessages.Issue("information", "business-rule", At(path, "code"), "code-rule", TxMessages.CaseDifference,
                coding.Code, concept.Code, Versioned(cs)));
        }
        if (coding.Display is { } display) Display(cs, concept, coding, display, request, path, issues);
        Status(concept, path, issues);
    }

    /// <summary>An inactive or deprecated concept is still a code of its system: a warning on the coding as a whole.</summary>
    public static void Status(Concept concept, string path, List<ValidationIssue> issues)
    {
        var at = path.Length == 0 ? "code" : path;
        if (concept.Inactive)
            issues.Add(TxMessages.Issue("warning", "business-rule", at, "code-comment", TxMessages.InactiveConcept, concept.Code, StatusText(concept)));
        else if (concept.Deprecated)
            issues.Add(TxMessages.Issue("warning", "business-rule", at, "code-comment", TxMessages.DeprecatedConcept, concept.Code));
    }

    // "retired and inactive" when the status property says retired; the inactive flag alone is "inactive".
    private static string StatusText(Concept concept) =>
        concept.Status is { } status && status != "inactive" ? $"{status} and inactive" : "inactive";

    /// <summary>
    /// The display against the texts valid for the requested languages (R4 $validate-code: "the display is
    /// appropriate for the language"); without a language, the display or any designation. A wrong display is an
    /// error, or a warning when the client asked for lenient display validation.
    /// </summary>
    private static void Display(CodeSystemIndex cs, Concept concept, CodingValue coding, string display, ValidateCodeRequest request, string path, List<ValidationIssue> issues)
    {
        var all = Displays.Candidates(concept, cs.Language).ToList();
        var languages = Displays.ParseLanguages(request.DisplayLanguage);
        var valid = languages.Count == 0 ? all : all.Where(c => c.Language is null || languages.Any(l => Displays.LanguageMatches(c.Language, l))).ToList();
        if (valid.Any(c => string.Equals(c.Text, display, StringComparison.OrdinalIgnoreCase))) return;
        var at = At(path, "display");
        var severity = request.LenientDisplay ? "warning" : "error";
        if (valid.Count == 0)
        {
            if (all.Any(c => string.Equals(c.Text, display, StringComparison.OrdinalIgnoreCase)))
                issues.Add(TxMessages.Issue("information", "invalid", at, "invalid-display", TxMessages.DisplayOnlyInDefaultLanguage,
                    cs.Url, concept.Code, request.DisplayLanguage, display));
            else
                issues.Add(TxMessages.Issue(severity, "invalid", at, "invalid-display", TxMessages.NoDisplayForLanguage,
                    display, cs.Url, concept.Code, request.DisplayLanguage, concept.Display));
            return;
        }
        var choices = valid.Select(c => $"'{c.Text}'" + (c.Language is null ? "" : $" ({c.Language})")).Distinct().ToList();
        var list = choices.Count == 1 ? choices[0] : $"one of {choices.Count} choices: " + string.Join(" or ", choices);
        var id = valid.Any(c => string.Equals(Displays.CollapseWhitespace(c.Text), Displays.CollapseWhitespace(display), StringComparison.OrdinalIgnoreCase))
            ? TxMessages.WrongDisplayWhitespace : TxMessages.WrongDisplay;
        issues.Add(TxMessages.Issue(severity, "invalid", at, "invalid-display", id, display, cs.Url, concept.Code, list, request.DisplayLanguage ?? "--"));
    }

    /// <summary>Where an issue lies: in the request's CodeableConcept or Coding, else the code parameters themselves.</summary>
    public static string Path(ValidateCodeRequest request, int index) =>
        request.IsCodeableConcept ? $"CodeableConcept.coding[{index}]" : request.IsCoding ? "Coding" : "";

    public static string At(string path, string element) => path.Length == 0 ? element : path + "." + element;

    /// <summary>A code system as messages name it: <c>url|version</c>, or the url alone.</summary>
    public static string Versioned(CodeSystemIndex cs) => cs.Version is null ? cs.Url : cs.Url + "|" + cs.Version;

    public static ValidationIssue UnknownCode(CodeSystemIndex cs, string code, string path) => cs.IsCompleteContent
        ? cs.Version is null
            ? TxMessages.Issue("error", "code-invalid", At(path, "code"), "invalid-code", TxMessages.UnknownCode, code, cs.Url)
            : TxMessages.Issue("error", "code-invalid", At(path, "code"), "invalid-code", TxMessages.UnknownCodeInVersion, code, cs.Url, cs.Version)
        // A fragment does not list every code: an unknown code is not known to be wrong (R4 CodeSystem.content).
        : TxMessages.Issue("warning", "code-invalid", At(path, "code"), "invalid-code", TxMessages.UnknownCodeInFragment, code, cs.Url, cs.Version);
}
