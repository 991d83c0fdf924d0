namespace FhirServer.Terminology;

/// <summary>
/// The version parameters of $expand and $validate-code (R4 ValueSet-expand; R5 adds them to $validate-code), each a
/// canonical <c>system|version</c>: <c>system-version</c> is the version to use when the value set does not say,
/// <c>check-system-version</c> the version the value set must resolve to (else an error; it also stands for the
/// version when the value set does not say), <c>force-system-version</c> the version to use whatever the value set
/// says. <c>default-valueset-version</c> is the version of an imported value set named without one.
/// </summary>
public sealed record VersionParameters
{
    public static readonly VersionParameters None = new();

    public IReadOnlyList<string> SystemVersion { get; init; } = [];
    public IReadOnlyList<string> CheckSystemVersion { get; init; } = [];
    public IReadOnlyList<string> ForceSystemVersion { get; init; } = [];
    public IReadOnlyList<string> DefaultValueSetVersion { get; init; } = [];

    public string? Default(string system) => Find(SystemVersion, system);
    public string? Check(string system) => Find(CheckSystemVersion, system);
    public string? Force(string system) => Find(ForceSystemVersion, system);
    public string? ValueSetDefault(string url) => Find(DefaultValueSetVersion, url);

    /// <summary>An imported value set's canonical, with the default-valueset-version when it names no version.</summary>
    public string Import(string canonical) =>
        !canonical.Contains('|') && ValueSetDefault(canonical) is { } version ? canonical + "|" + version : canonical;

    private static string? Find(IReadOnlyList<string> canonicals, string url)
    {
        foreach (var canonical in canonicals)
        {
            var bar = canonical.IndexOf('|');
            if (bar > 0 && string.Equals(canonical[..bar], url, StringComparison.Ordinal)) return canonical[(bar + 1)..];
        }
        return null;
    }
}
