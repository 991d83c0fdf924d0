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
            throw TerminologyException.Invalid(TxMessages.NoCodeToValidate);
        // Without a displayLanguage, the language the value set asks for (its displayLanguage expansion parameter, R4
        // valueset-expansion-parameter extension) or its own language.
        request = request with { DisplayLanguage = Displays.RequireValidLanguages(request.DisplayLanguage) ?? DefaultLanguage(valueSet) };
        if (ValueSetImports.FirstMissing(forRequest, valueSet, request.Versions) is { } missing)
            return ValidationAnswer.Failure(TxMessages.Issue("error", "not-found", null, "not-found", TxMessages.UnknownValueSet, missing));
        var checker = new CodingChecker(forRequest, request, valueSet, new ValueSetExpander(forRequest, options.MaxExpansionSize, request.Versions));
        var outcomes = ValidationAnswer.UpToFirstValid(request.Codings.Select((c, i) => checker.Check(c, CodeCheck.Path(request, i))));
        outcomes[0].Issues.AddRange(ImportStatus(forRequest, valueSet));
        return request.IsCodeableConcept
            ? ValidationAnswer.ForConcept(outcomes, CodingChecker.Name(valueSet), request.DisplayLanguage)
            : ValidationAnswer.ForCoding(outcomes[0], request.DisplayLanguage);
    }

    private static string? DefaultLanguage(ElementNode valueSet) =>
        valueSet.Child("compose")?.ChildrenNamed("extension")
            .Where(e => e.Child("url")?.Value == "http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter")
            .Where(e => e.ChildrenNamed("extension").Any(p => p.Child("url")?.Value == "name" && p.Child("value")?.Value == "displayLanguage"))
            .SelectMany(e => e.ChildrenNamed("extension")).FirstOrDefault(p => p.Child("url")?.Value == "value")?.Child("value")?.Value
        ?? valueSet.Child("language")?.Value;

    // The status of the value set itself and of the value sets it imports (R4 §4.9.1).
    private static IEnumerable<ValidationIssue> ImportStatus(RequestSources sources, ElementNode valueSet)
    {
        var source = CanonicalStatus.Of(valueSet);
        if (CanonicalStatus.Check(source, source) is { } own) yield return own;
        foreach (var imported in ValueSetImports.Of(valueSet).Select(sources.FindValueSet).OfType<ElementNode>())
            if (CanonicalStatus.Check(CanonicalStatus.Of(imported), source) is { } issue) yield return issue;
    }
}
