using System.Globalization;

namespace FhirServer.Conformance.Packages;

// Orders package versions the way npm does (https://semver.org/#spec-item-11): numeric dot parts compare as numbers,
// a pre-release ("1.1.0-ballot") sorts before its release, pre-release identifiers compare one by one (numeric ones
// as numbers and below alphanumeric ones), build metadata ("+...") does not take part. FHIR packages mostly follow
// semver (https://hl7.org/fhir/packages.html#versions) but a few use two parts or dates, so any shape is accepted.
public sealed class SemanticVersionComparer : IComparer<string>
{
    public static readonly SemanticVersionComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        Split(x, out var xMain, out var xPre);
        Split(y, out var yMain, out var yPre);
        var c = CompareDotted(xMain, yMain, numericFirst: false);
        if (c != 0) return c;
        if (xPre.Length == 0 && yPre.Length > 0) return 1;
        if (yPre.Length == 0 && xPre.Length > 0) return -1;
        c = CompareDotted(xPre, yPre, numericFirst: true);
        // Equal precedence (only build metadata differs): fall back to the text so the order stays total.
        return c != 0 ? c : string.CompareOrdinal(x, y);
    }

    public static bool IsPreRelease(string version)
    {
        Split(version, out _, out var pre);
        return pre.Length > 0;
    }

    internal static void Split(string version, out string main, out string pre)
    {
        var plus = version.IndexOf('+');
        var core = plus < 0 ? version : version[..plus];
        var dash = core.IndexOf('-');
        main = dash < 0 ? core : core[..dash];
        pre = dash < 0 ? "" : core[(dash + 1)..];
    }

    // Compares "1.10.2" part by part. In the main part a missing part counts as 0 ("4.0" == "4.0.0"); in a
    // pre-release, per semver, the shorter list of identifiers sorts first when all shared ones are equal.
    private static int CompareDotted(string a, string b, bool numericFirst)
    {
        var ap = a.Length == 0 ? [] : a.Split('.');
        var bp = b.Length == 0 ? [] : b.Split('.');
        for (var i = 0; i < Math.Max(ap.Length, bp.Length); i++)
        {
            if (numericFirst && i >= ap.Length) return -1;
            if (numericFirst && i >= bp.Length) return 1;
            var c = ComparePart(i < ap.Length ? ap[i] : "0", i < bp.Length ? bp[i] : "0");
            if (c != 0) return c;
        }
        return 0;
    }

    private static int ComparePart(string a, string b)
    {
        var aNum = ulong.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var an);
        var bNum = ulong.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var bn);
        if (aNum && bNum) return an.CompareTo(bn);
        if (aNum) return -1;
        if (bNum) return 1;
        return string.CompareOrdinal(a, b);
    }
}
