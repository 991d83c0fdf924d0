namespace FhirServer.Conformance.Search;

/// <summary>
/// Corrections of published SearchParameters whose expression cannot find what their own guide's instances hold. Each
/// is keyed by the parameter's canonical URL and version as published, says why, and names the later publication or
/// the profile it follows; a parameter is corrected only as its guide means it, never given another meaning. The
/// corrected expression is part of the index fingerprint, so a store indexed with the published one is reindexed.
/// </summary>
internal static class SearchParameterErrata
{
    private sealed record Correction(string Url, string? Version, string Expression, string Reason);

    private const string Mhd = "https://profiles.ihe.net/ITI/MHD/StructureDefinition/";

    private static readonly Correction[] Corrections =
    [
        // ITI-66 designationType and sourceId (MHD 4.2.0, which PDSm 3.1.1 depends on): the expressions name extension
        // URLs that no MHD profile defines (…/DesignationType, …/SourceId; the extensions are ihe-designationType and
        // ihe-sourceId), and 'as Token' names no type, so neither parameter ever found a List. MHD 4.2.3 corrects both.
        new("https://profiles.ihe.net/ITI/MHD/SearchParameter/List-DesignationType", null,
            $"(extension('{Mhd}ihe-designationType').value.ofType(CodeableConcept))",
            "MHD 4.2.3's expression: the extension is ihe-designationType"),
        new("https://profiles.ihe.net/ITI/MHD/SearchParameter/List-SourceId", null,
            $"(extension('{Mhd}ihe-sourceId').value.ofType(Identifier))",
            "MHD 4.2.3's expression: the extension is ihe-sourceId, its value an Identifier"),
        // PDSm's authorOrg looks for ihe-authorOrg on the List, but MHD's SubmissionSet profiles (and PDSm's own
        // examples) put it on List.source, the author it qualifies. Both places are read.
        new("https://interop.esante.gouv.fr/ig/fhir/pdsm/SearchParameter/PDSm-List-authorOrg", null,
            $"List.source.extension.where(url='{Mhd}ihe-authorOrg').value | List.extension.where(url='{Mhd}ihe-authorOrg').value",
            "ihe-authorOrg is an extension of List.source in MHD's SubmissionSet profiles and PDSm's examples"),
    ];

    /// <summary>The expression to index with: the correction of (url, version) if there is one, else the published one.</summary>
    public static string? Expression(string url, string? version, string? published, List<string> diagnostics)
    {
        foreach (var c in Corrections)
        {
            if (c.Url != url || c.Version != version) continue;
            diagnostics.Add($"{url}: expression corrected ({c.Reason}): {c.Expression}");
            return c.Expression;
        }
        return published;
    }
}
