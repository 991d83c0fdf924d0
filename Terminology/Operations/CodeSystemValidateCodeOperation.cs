using FhirServer.Terminology.Model;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>CodeSystem/$validate-code (R4 §4.8.18): is the code defined by the system, and is the display right.</summary>
public sealed class CodeSystemValidateCodeOperation(TerminologySources sources)
{
    public ValidateCodeResult Run(ValidateCodeRequest request)
    {
        var forRequest = sources.ForRequest(request.TxResources);
        forRequest.UseSupplements(request.UseSupplements);
        var codings = request.Codings;
        if (codings.Count == 0 || codings.All(c => c.Code is null)) throw TerminologyException.Invalid("$validate-code needs a code, a coding or a codeableConcept");
        ValidateCodeResult? last = null;
        for (var i = 0; i < codings.Count; i++)
        {
            var path = CodeCheck.Path(request, i);
            last = One(forRequest, codings[i], request.DisplayLanguage, path);
            if (last.Result) return last;
        }
        return last!;
    }

    private static ValidateCodeResult One(RequestSources sources, CodingValue coding, string? displayLanguage, string path)
    {
        var issues = new List<ValidationIssue>();
        if (coding.System is null || coding.Code is null)
        {
            const string text = "A code and a system are both needed to validate a code";
            return new(false, text, coding, null, false, [new("error", "invalid", text, CodeCheck.At(path, "code"), "invalid-data")]);
        }
        var cs = sources.FindCodeSystem(coding.System, coding.Version);
        if (cs is null && sources.FindSupplement(coding.Version is null ? coding.System : coding.System + "|" + coding.Version) is { } supplement)
        {
            // A supplement only adds to a code system: its url is not a system codes come from (R4 CodeSystem.supplements).
            var text = $"CodeSystem {coding.System}|{supplement.Child("version")?.Value} is a supplement, so can't be used as a value in {CodeCheck.At(path.Length == 0 ? "Coding" : path, "system")}";
            return new(false, text, coding, null, false, [new("error", "invalid", text, CodeCheck.At(path, "system"), "invalid-data")]);
        }
        if (cs is null)
        {
            var text = UnknownSystem.Message(sources, coding.System, coding.Version);
            return new(false, text, coding, null, false, [new("error", "not-found", text, CodeCheck.At(path, "system"), "not-found")]);
        }
        var concept = cs.Find(coding.Code);
        if (concept is null)
        {
            var text = CodeCheck.UnknownCode(cs, coding.Code);
            // A fragment does not list every code: an unknown code is not known to be wrong (R4 CodeSystem.content).
            var fragment = !cs.IsCompleteContent;
            return new(fragment, text, coding with { Version = cs.Version }, null, false, [new(fragment ? "warning" : "error", "code-invalid", text, CodeCheck.At(path, "code"), "invalid-code")]);
        }
        string? message = null;
        CodeCheck.Concept(cs, concept, coding, displayLanguage, path, issues, ref message);
        var ok = !issues.Any(i => i.Severity == "error");
        return new(ok, message, coding with { Version = cs.Version, Code = concept.Code },
            Displays.For(concept, displayLanguage, cs.Language), concept.Inactive, issues);
    }
}
