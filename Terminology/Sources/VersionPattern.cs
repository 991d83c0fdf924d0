namespace FhirServer.Terminology.Sources;

/// <summary>
/// How a version asked for (in a Coding, a compose include, a canonical or a version parameter) matches the versions
/// of a code system or value set: the same text, or a pattern whose <c>x</c> (or <c>X</c>, <c>*</c>) parts stand for
/// any part — <c>1.0.x</c> matches <c>1.0.2</c>, and a trailing wildcard any remaining parts (<c>1.x</c> matches
/// <c>1.2.3</c>). A bare <c>1</c> is a version of its own, not a prefix: it does not match <c>1.0.0</c>, as the HL7
/// terminology servers answer. Among several matches the highest version in semantic order is used.
/// </summary>
public static class VersionPattern
{
    public static bool IsWildcard(string version) => version.Split('.').Any(IsWildcardPart);

    public static bool Matches(string? actual, string wanted)
    {
        if (actual is null) return false;
        if (actual == wanted) return true;
        if (!IsWildcard(wanted)) return false;
        var a = actual.Split('.');
        var w = wanted.Split('.');
        for (var i = 0; i < w.Length; i++)
        {
            if (IsWildcardPart(w[i]))
            {
                if (i == w.Length - 1) return a.Length >= w.Length;
                if (i >= a.Length) return false;
                continue;
            }
            if (i >= a.Length || a[i] != w[i]) return false;
        }
        return a.Length == w.Length;
    }

    private static bool IsWildcardPart(string part) => part is "x" or "X" or "*";
}
