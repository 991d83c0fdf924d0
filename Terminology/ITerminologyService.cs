namespace FhirServer.Terminology;

/// <summary>
/// The terminology operations of FHIR R4 (§4.1 Terminology Service). A request the engine cannot answer throws a
/// <see cref="TerminologyException"/>; a code that is not valid is a normal answer (<c>result</c> false).
/// </summary>
public interface ITerminologyService
{
    LookupResult Lookup(LookupRequest request);
    ValidateCodeResult ValidateCodeInCodeSystem(ValidateCodeRequest request);
    ValidateCodeResult ValidateCodeInValueSet(ValidateCodeRequest request);
    SubsumesResult Subsumes(SubsumesRequest request);
    ExpansionResult Expand(ExpandRequest request);
    TranslateResult Translate(TranslateRequest request);
}
