using FhirServer.Terminology.Operations;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology;

/// <summary>The terminology service over the loaded packages and the resources each request carries.</summary>
public sealed class LocalTerminologyService(TerminologySources sources, TerminologyOptions options) : ITerminologyService
{
    private readonly LookupOperation _lookup = new(sources);
    private readonly CodeSystemValidateCodeOperation _validateInCodeSystem = new(sources);
    private readonly ValueSetValidateCodeOperation _validateInValueSet = new(sources, options);
    private readonly SubsumesOperation _subsumes = new(sources);
    private readonly ExpandOperation _expand = new(sources, options);
    private readonly TranslateOperation _translate = new(sources);

    public LookupResult Lookup(LookupRequest request) => _lookup.Run(request);
    public ValidateCodeResult ValidateCodeInCodeSystem(ValidateCodeRequest request) => _validateInCodeSystem.Run(request);
    public ValidateCodeResult ValidateCodeInValueSet(ValidateCodeRequest request) => _validateInValueSet.Run(request);
    public SubsumesResult Subsumes(SubsumesRequest request) => _subsumes.Run(request);
    public ExpansionResult Expand(ExpandRequest request) => _expand.Run(request);
    public TranslateResult Translate(TranslateRequest request) => _translate.Run(request);
}
