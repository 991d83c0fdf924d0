namespace FhirServer.Conformance.Search;

/// <summary>
/// The base URLs under which this server's own resources live (R4 http.html#root: <c>[base]/[type]/[id]</c>). An
/// absolute reference on one of them is local, the same as the relative <c>Type/id</c>; on any other base it is
/// external: another server's resource, which only a search by its full URL may find (R4 search.html §3.1.1.4.9, "a
/// relative reference resolving to the same value as a specified absolute URL, or vice versa, qualifies as a match" —
/// a relative reference resolves against this server's base, never another's). Scheme and host compare without case
/// and with the scheme's default port; the path compares exactly, without a trailing slash.
/// </summary>
public sealed class ServerBases
{
    /// <summary>No base known: every absolute reference is external.</summary>
    public static readonly ServerBases None = new([]);

    private readonly Uri[] _bases;

    public ServerBases(IEnumerable<string> bases) => _bases = [.. bases.Select(Parse).OfType<Uri>().Distinct()];

    public IReadOnlyList<string> Urls => [.. _bases.Select(b => b.GetLeftPart(UriPartial.Path).TrimEnd('/'))];

    /// <summary>These bases and <paramref name="baseUrl"/> (the request's).</summary>
    public ServerBases With(string baseUrl) => new([.. Urls, baseUrl]);

    /// <summary>Whether <paramref name="baseUrl"/> (no trailing slash needed) is one of these bases.</summary>
    public bool IsLocal(string baseUrl) => Parse(baseUrl) is { } url && _bases.Any(b => Same(b, url));

    /// <summary>
    /// What an absolute URL names under one of these bases (<c>Patient/1</c>, <c>Patient/1/_history/2</c>), or null when
    /// it is not on one.
    /// </summary>
    public string? LocalPart(string absolute)
    {
        var scheme = absolute.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0 || _bases.Length == 0) return null;
        // Each path prefix in turn: a base may have any number of path segments (https://host/fhir/r4).
        for (var slash = absolute.IndexOf('/', scheme + 3); slash > 0; slash = absolute.IndexOf('/', slash + 1))
            if (IsLocal(absolute[..slash])) return absolute[(slash + 1)..];
        return null;
    }

    private static bool Same(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port
        && string.Equals(a.AbsolutePath.TrimEnd('/'), b.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal);

    private static Uri? Parse(string baseUrl) =>
        Uri.TryCreate(baseUrl.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;
}
