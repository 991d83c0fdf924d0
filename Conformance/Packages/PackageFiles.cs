namespace FhirServer.Conformance.Packages;

// Names that end up as paths under the cache root. Package names and versions come from package.json files and
// registries we do not control, so anything that could climb out of its folder is refused.
internal static class PackageFiles
{
    private static readonly char[] Invalid = [.. Path.GetInvalidFileNameChars(), '/', '\\', ':', '*', '?', '"', '<', '>', '|'];

    public static bool IsPlainFileName(string name) =>
        name.Length is > 0 and < 256 && name is not "." and not ".." && name.IndexOfAny(Invalid) < 0;

    // A package name or version used as part of the "<name>#<version>" cache folder name.
    public static bool IsSafeSegment(string? value) =>
        value is { Length: > 0 } && IsPlainFileName(value) && !value.StartsWith('.') && !value.Contains('#') &&
        !value.Contains("..", StringComparison.Ordinal) && value.Trim() == value;
}
