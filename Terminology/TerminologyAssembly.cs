namespace FhirServer.Terminology;

/// <summary>Anchor for the terminology assembly; the terminology service ($lookup, $validate-code, $expand, $subsumes, $translate) lands here.</summary>
public static class TerminologyAssembly;
