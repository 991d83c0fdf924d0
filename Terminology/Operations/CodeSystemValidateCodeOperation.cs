using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>CodeSystem/$validate-code (R4 §4.8.18): is the code defined by the system, and is the display right.</summary>
public sealed class CodeSystemValidateCodeOperation(TerminologySources sources)
{
    public ValidateCodeResult Run(ValidateCodeRequest request)
    {
        var forRequest = sources.ForRequest(request.TxResources);
        forRequest.UseSupplements(request.UseSupplements);
        if (request.Codings.Count == 0 || request.Codings.All(c => c.Code is null))
            throw TerminologyException.Invalid(TxMessages.NoCodeToValidate);
        Displays.RequireValidLanguages(request.DisplayLanguage);
        var checker = new CodingChecker(forRequest, request, null, null);
        var outcomes = ValidationAnswer.UpToFirstValid(request.Codings.Select((c, i) => checker.Check(c, CodeCheck.Path(request, i))));
        return request.IsCodeableConcept
            ? ValidationAnswer.ForConcept(outcomes, null, request.DisplayLanguage)
            : ValidationAnswer.ForCoding(outcomes[0], request.DisplayLanguage);
    }
}
