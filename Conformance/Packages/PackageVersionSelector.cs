namespace FhirServer.Conformance.Packages;

// Picks a version among those a source offers, for the version requests found in package.json "dependencies"
// (https://hl7.org/fhir/packages.html#dependencies): an exact version, "latest"/"current"/"dev" (we serve no CI
// builds, so all three mean the highest available one), or an npm-style wildcard such as "4.0.x", "4.x" or "4.0.*".
// Caret and tilde ranges ("^4.0.1", "~4.0.1") appear in hand-written package.json files and are understood too.
public static class PackageVersionSelector
{
    public static bool IsLatest(string? wanted) =>
        string.IsNullOrWhiteSpace(wanted) || wanted.Trim() is "latest" or "current" or "dev" or "*" or "x" or "X";

    public static bool IsRange(string? wanted)
    {
        if (IsLatest(wanted)) return true;
        var w = wanted!.Trim();
        return w.StartsWith('^') || w.StartsWith('~') || w.Split('.').Any(IsWildcard);
    }

    public static bool Matches(string? wanted, string version)
    {
        if (IsLatest(wanted)) return true;
        var w = wanted!.Trim();
        if (!IsRange(w)) return string.Equals(w, version, StringComparison.OrdinalIgnoreCase);
        var parts = MainParts(version);
        if (w[0] is '^' or '~')
        {
            var floor = w[1..];
            if (SemanticVersionComparer.Instance.Compare(version, floor) < 0) return false;
            var fp = MainParts(floor);
            // "^" keeps the left-most non-zero part, "~" keeps major.minor (npm semantics).
            var fixedParts = w[0] == '~' ? 2 : fp.Length > 1 && fp[0] == "0" ? 2 : 1;
            for (var i = 0; i < Math.Min(fixedParts, fp.Length); i++)
                if (!SamePart(fp[i], i < parts.Length ? parts[i] : "0")) return false;
            return true;
        }
        var pattern = w.Split('.');
        for (var i = 0; i < pattern.Length; i++)
        {
            if (IsWildcard(pattern[i])) return true;
            if (!SamePart(pattern[i], i < parts.Length ? parts[i] : "0")) return false;
        }
        return parts.Length <= pattern.Length;
    }

    // The version to use for `wanted` among `available`: the highest one that matches, or null.
    public static string? SelectBest(string? wanted, IEnumerable<string> available)
    {
        if (!IsRange(wanted))
            return available.FirstOrDefault(v => string.Equals(v, wanted!.Trim(), StringComparison.OrdinalIgnoreCase));
        return available.Where(v => Matches(wanted, v)).Max(SemanticVersionComparer.Instance);
    }

    // When nothing matches: the version of the same major.minor (its highest), else the highest one below the
    // wanted version, else the lowest one above it. A range stands for its lowest version ("4.0.x" -> "4.0.0").
    public static string? SelectNearest(string? wanted, IEnumerable<string> available)
    {
        var list = available.ToList();
        if (list.Count == 0) return null;
        if (IsLatest(wanted)) return list.Max(SemanticVersionComparer.Instance);
        var target = Floor(wanted!.Trim());
        var tp = MainParts(target);
        var sameMinor = list.Where(v =>
        {
            var p = MainParts(v);
            return SamePart(tp[0], p[0]) && SamePart(tp.Length > 1 ? tp[1] : "0", p.Length > 1 ? p[1] : "0");
        }).ToList();
        if (sameMinor.Count > 0) return sameMinor.Max(SemanticVersionComparer.Instance);
        var cmp = SemanticVersionComparer.Instance;
        var lower = list.Where(v => cmp.Compare(v, target) < 0).ToList();
        return lower.Count > 0 ? lower.Max(cmp) : list.Min(cmp);
    }

    private static string Floor(string wanted)
    {
        var w = wanted.TrimStart('^', '~');
        var parts = w.Split('.').TakeWhile(p => !IsWildcard(p)).ToList();
        while (parts.Count < 3) parts.Add("0");
        return string.Join('.', parts);
    }

    private static string[] MainParts(string version)
    {
        SemanticVersionComparer.Split(version, out var main, out _);
        return main.Split('.');
    }

    private static bool IsWildcard(string part) => part is "x" or "X" or "*";

    private static bool SamePart(string a, string b) =>
        SemanticVersionComparer.Instance.Compare(a, b) == 0 || string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
