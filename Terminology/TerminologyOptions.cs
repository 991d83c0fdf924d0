namespace FhirServer.Terminology;

/// <summary>Limits of the terminology engine; the host binds them from its configuration.</summary>
public sealed class TerminologyOptions
{
    /// <summary>The most codes an expansion may hold before $expand answers too-costly (before paging), and the largest page.</summary>
    public int MaxExpansionSize { get; set; } = 10_000;

    /// <summary>Bytes of $expand answers the server keeps to answer the same request again (0: none are kept).</summary>
    public long ExpansionCacheBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// The most codes an expansion may hold when the client pages through it ($expand with <c>count</c>): each response
    /// stays within <see cref="MaxExpansionSize"/>, but the server still builds the whole expansion to find the page.
    /// </summary>
    public int MaxPagedExpansionSize { get; set; } = 100_000;
}
