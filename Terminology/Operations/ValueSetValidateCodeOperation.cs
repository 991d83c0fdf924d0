using FhirServer.Conformance.Model;
using FhirServer.Terminology.Expansion;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>ValueSet/$validate-code (R4 §4.9.18): is the code in the value set, and is the display right.</summary>
public sealed class ValueSetValidateCodeOperation(TerminologySources sources, TerminologyOptions options)
{
    public ValidateCodeResult Run(ValidateCodeRequest request)
    {
        var forRequest = sources.ForRequest(request.TxResources);
        var valueSet = request.ValueSet
            ?? (request.ValueSetUrl is { } url ? forRequest.RequireValueSet(url)
                : throw TerminologyException.Invalid("ValueSet/$validate-code needs a url or a valueSet"));
        forRequest.UseSupplements([.. request.UseSupplements, .. Supplements.Referenced(valueSet)]);
        if (request.Codings.Count == 0 || request.Codings.All(c => c.Code is null))
            throw TerminologyException.Invalid("$validate-code needs a code, a coding or a codeableConcept");
        var expander = new ValueSetExpander(forRequest, options.MaxExpansionSize, request.Versions);
        ValidateCodeResult? last = null;
        for (var i = 0; i < request.Codings.Count; i++)
        {
            var path = CodeCheck.Path(request, i);
            last = One(forRequest, expander, valueSet, request.Codings[i], request.DisplayLanguage, request.Versions, path, request.IsCodeableConcept);
            if (last.Result) return last;
        }
        return last!;
    }

    private static ValidateCodeResult One(RequestSources sources, ValueSetExpander expander, ElementNode valueSet, CodingValue coding,
        string? displayLanguage, VersionParameters versions, string path, bool inCodeableConcept)
    {
        var vsName = valueSet.Child("url")?.Value + (valueSet.Child("version")?.Value is { } v ? "|" + v : "");
        if (coding.System is null || coding.Code is null)
        {
            const string text = "A code and a system are both needed to validate a code";
            return new(false, text, coding, null, false, [new("error", "invalid", text, CodeCheck.At(path, "code"), "invalid-data")]);
        }
        var version = CodingVersion.Resolve(sources, expander, valueSet, coding, versions, path);
        var issues = new List<ValidationIssue>(version.Issues);
        var cs = version.CodeSystem;
        Concept? concept = cs?.Find(coding.Code);
        var errors = issues.Where(i => i.Severity == "error").Select(i => i.Text).ToList();
        string? message = errors.Count == 0 ? null : string.Join("; ", errors);
        if (cs is not null && concept is null && cs.IsCompleteContent && version.CausedByUnknownSystem is null)
        {
            var text = CodeCheck.UnknownCode(cs, coding.Code);
            message = message is null ? text : message + "; " + text;
            issues.Add(new("error", "code-invalid", text, CodeCheck.At(path, "code"), "invalid-code"));
        }
        bool? inValueSet; // null: membership cannot be judged
        try
        {
            inValueSet = expander.Contains(valueSet, coding.System, concept?.Code ?? coding.Code, out _);
        }
        catch (TerminologyException e) when (e.IssueCode == "not-found")
        {
            // A value set the value set imports is missing: the code cannot be judged against it (an error, not a 404).
            issues.Add(new("error", "not-found", e.Message, null, e.Detail));
            message = message is null ? e.Message : message + "; " + e.Message;
            inValueSet = null;
        }
        // A version that does not exist already says why the code is not accepted.
        if (inValueSet == false && version.CausedByUnknownSystem is null)
        {
            var text = $"The provided code '{coding.System}#{coding.Code}' was not found in the value set '{vsName}'";
            issues.Add(new("error", "code-invalid", text, CodeCheck.At(path, "code"), "not-in-vs"));
            message = message is null ? text : message + "; " + text;
        }
        if (cs is not null && concept is not null) CodeCheck.Concept(cs, concept, coding, displayLanguage, path, issues, ref message);
        var ok = !issues.Any(i => i.Severity == "error");
        var validated = coding with { Version = cs?.Version ?? coding.Version, Code = concept?.Code ?? coding.Code };
        // A CodeableConcept's coding whose value set version does not exist is not reported as the code validated.
        if (inCodeableConcept && version.ValueSetVersionNotFound) validated = validated with { System = null, Code = null };
        return new(ok, message, validated,
            concept is null || cs is null ? null : Displays.For(concept, displayLanguage, cs.Language), concept?.Inactive == true, issues)
            { CausedByUnknownSystem = version.CausedByUnknownSystem };
    }
}
