using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>CodeSystem/$subsumes (R4 §4.8.17): how codeA relates to codeB in the system's hierarchy.</summary>
public sealed class SubsumesOperation(TerminologySources sources)
{
    public SubsumesResult Run(SubsumesRequest request)
    {
        var forRequest = sources.ForRequest(request.TxResources);
        var cs = forRequest.FindCodeSystem(request.System, request.Version)
            ?? throw TerminologyException.NotFound(UnknownSystem.Message(forRequest, request.System, request.Version));
        var a = cs.Find(request.CodeA) ?? throw TerminologyException.Invalid($"Unknown code '{request.CodeA}' in the CodeSystem '{cs.Url}'");
        var b = cs.Find(request.CodeB) ?? throw TerminologyException.Invalid($"Unknown code '{request.CodeB}' in the CodeSystem '{cs.Url}'");
        if (ReferenceEquals(a, b)) return new("equivalent");
        if (a.Subsumes(b)) return new("subsumes");
        if (b.Subsumes(a)) return new("subsumed-by");
        return new("not-subsumed");
    }
}
