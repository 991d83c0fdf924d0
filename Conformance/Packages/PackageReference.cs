namespace FhirServer.Conformance.Packages;

// A package as FHIR tooling writes it: "name#version" (https://hl7.org/fhir/packages.html#references), the version
// optional (null = the highest available). "name@version", the npm spelling, is accepted as well.
public sealed record PackageReference(string Name, string? Version)
{
    public static PackageReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        var sep = t.IndexOf('#');
        // '@' at position 0 would be an npm scope, not a version separator.
        if (sep < 0) sep = t.LastIndexOf('@') is > 0 and var at ? at : -1;
        var name = (sep < 0 ? t : t[..sep]).Trim();
        var version = sep < 0 ? null : t[(sep + 1)..].Trim();
        if (name.Length == 0) throw new FormatException($"'{text}' is not a package reference: the name is missing.");
        return new PackageReference(name, string.IsNullOrEmpty(version) ? null : version);
    }

    public static bool TryParse(string? text, out PackageReference? reference)
    {
        reference = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        try
        {
            reference = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether the name and version can name a package at all: a name of letters, digits, '.', '-' and '_' (an npm
    /// package name, https://hl7.org/fhir/packages.html#name), and a version the cache can keep as a folder name.
    /// </summary>
    public bool IsWellFormed =>
        Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_') && PackageFiles.IsSafeSegment(Name)
        && (Version is null || PackageFiles.IsSafeSegment(Version));

    public override string ToString() => Version is null ? Name : $"{Name}#{Version}";
}
