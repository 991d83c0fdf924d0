namespace FhirServer.Conformance.Context;

/// <summary>
/// Which FHIR packages the server loads and where it looks for them. Bound from the <c>FhirPackages</c>
/// configuration section; the defaults are the French server's set.
/// </summary>
public sealed class PackageSettings
{
    /// <summary>The server's default package set: R4, HL7 terminology and extensions, and the French national guides.</summary>
    public static readonly IReadOnlyList<string> DefaultPackages =
    [
        "hl7.fhir.r4.core#4.0.1",
        "hl7.terminology.r4",
        "hl7.fhir.uv.extensions.r4",
        "hl7.fhir.fr.core#2.2.0",
        "ans.fhir.fr.annuaire",
        "ans.fhir.fr.pdsm",
        "ihe.iti.mhd#4.2.0",
        "ans.fhir.fr.eprescription",
        "ans.fr.terminologies",
    ];

    public const string DefaultRegistry = "https://packages.fhir.org";

    /// <summary>Packages to load, as <c>name#version</c> (version optional: the highest available).</summary>
    public List<string> Packages { get; set; } = [.. DefaultPackages];

    /// <summary>The package cache (layout of <c>~/.fhir/packages</c>); null for the user's own cache.</summary>
    public string? Cache { get; set; }

    /// <summary>Folders of <c>.tgz</c> packages, searched after the cache. Null: <c>../shared/fhir-packages</c> when that folder exists.</summary>
    public List<string>? Sources { get; set; }

    /// <summary>An npm-protocol FHIR package registry, searched last; empty to work offline.</summary>
    public string? Registry { get; set; } = DefaultRegistry;

    /// <summary>
    /// The folder of packages shipped beside the project (<c>../shared/fhir-packages</c>, seen from the working
    /// directory or from any parent of the executable's folder), so that a fresh clone runs with no download.
    /// </summary>
    public static IReadOnlyList<string> FindSharedPackageFolders()
    {
        var found = new List<string>();
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "..", "shared", "fhir-packages");
                if (!Directory.Exists(candidate)) candidate = Path.Combine(dir.FullName, "shared", "fhir-packages");
                if (!Directory.Exists(candidate)) continue;
                var full = Path.GetFullPath(candidate);
                if (!found.Contains(full)) found.Add(full);
                break;
            }
        }
        return found;
    }
}
