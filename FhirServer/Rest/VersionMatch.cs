using System.Globalization;
using FhirServer.Http;

namespace FhirServer.Rest;

/// <summary>
/// What an <c>If-Match</c> (or a Bundle entry's <c>request.ifMatch</c>) accepts as the current version of the resource
/// a write changes: FHIR's one version ETag (<c>W/"3"</c>), or what HTTP allows besides (RFC 9110 §13.1.1): a list of
/// them (<c>W/"3", W/"4"</c>), or <c>*</c>, any current version. A resource with no current version (never written, or
/// deleted) matches nothing, <c>*</c> included: the write is refused with 412.
/// </summary>
public sealed class VersionMatch
{
    private readonly int[] _versions; // empty: "*"

    private VersionMatch(int[] versions) => _versions = versions;

    /// <summary><c>*</c>: any current version.</summary>
    public static readonly VersionMatch AnyCurrent = new([]);

    public static VersionMatch Of(params int[] versions) =>
        versions.Length > 0 ? new VersionMatch(versions) : throw new ArgumentException("A version match needs a version.", nameof(versions));

    public bool Matches(int version) => _versions.Length == 0 || _versions.Contains(version);

    /// <summary>
    /// The header's value (<paramref name="name"/> names it in the error): <c>*</c>, or one or more version ETags separated
    /// by commas (<c>W/"3"</c>, <c>"3"</c>, or a bare 3; empty list elements are skipped, as RFC 9110 §5.6.1 asks). Anything
    /// else → 400.
    /// </summary>
    public static VersionMatch Parse(string value, string name)
    {
        if (value.Trim() == "*") return AnyCurrent;
        var versions = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(tag => ParseTag(tag, value, name)).Distinct().ToArray();
        return versions.Length > 0 ? new VersionMatch(versions) : throw Invalid(value, name);
    }

    private static int ParseTag(string tag, string value, string name)
    {
        var text = tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"') text = text[1..^1];
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0
            ? version
            : throw Invalid(value, name);
    }

    private static FhirException Invalid(string value, string name) =>
        FhirException.BadRequest($"{name} '{value}' is neither a version ETag such as W/\"3\" (or a list of them) nor *.");

    public override string ToString() => _versions.Length == 0 ? "*" : string.Join(", ", _versions.Select(v => $"W/\"{v}\""));
}
