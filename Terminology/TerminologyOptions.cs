namespace FhirServer.Terminology;

/// <summary>Limits of the terminology engine; the host binds them from its configuration.</summary>
public sealed class TerminologyOptions
{
    /// <summary>The most codes an expansion may hold before $expand answers too-costly (before paging).</summary>
    public int MaxExpansionSize { get; set; } = 10_000;
}
