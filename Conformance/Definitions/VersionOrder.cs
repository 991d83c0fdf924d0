namespace FhirServer.Conformance.Definitions;

/// <summary>
/// Orders business versions of conformance resources ("4.0.1", "2.2.0", "1.1.0-ballot", "20240101"):
/// numeric dot-separated parts compare as numbers, a pre-release suffix sorts before its release.
/// </summary>
public sealed class VersionOrder : IComparer<string?>
{
    public static readonly VersionOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        SplitPreRelease(x, out var xMain, out var xPre);
        SplitPreRelease(y, out var yMain, out var yPre);
        var xs = xMain.Split('.');
        var ys = yMain.Split('.');
        for (var i = 0; i < Math.Max(xs.Length, ys.Length); i++)
        {
            var a = i < xs.Length ? xs[i] : "0";
            var b = i < ys.Length ? ys[i] : "0";
            var c = long.TryParse(a, out var na) && long.TryParse(b, out var nb) ? na.CompareTo(nb) : string.CompareOrdinal(a, b);
            if (c != 0) return c;
        }
        if (xPre is null) return yPre is null ? 0 : 1;
        if (yPre is null) return -1;
        return string.CompareOrdinal(xPre, yPre);
    }

    private static void SplitPreRelease(string v, out string main, out string? pre)
    {
        var dash = v.IndexOf('-');
        main = dash < 0 ? v : v[..dash];
        pre = dash < 0 ? null : v[(dash + 1)..];
    }
}
