using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Slicing;

/// <summary>
/// fixed[x] and pattern[x] compared with an instance's value (R4 elementdefinition.html, fixed[x] and pattern[x]), on
/// the nodes themselves and without allocating: both sides are parsed FHIR data.
/// </summary>
public static class FhirValueMatch
{
    /// <summary>fixed[x]: the same value and the same elements, in the same order, element ids aside.</summary>
    public static bool SameValue(ElementNode actual, ElementNode expected)
    {
        if (actual.Value != expected.Value) return false;
        var left = actual.Children;
        var right = expected.Children;
        int i = 0, j = 0;
        while (true)
        {
            while (i < left.Count && left[i].Name == "id") i++;
            while (j < right.Count && right[j].Name == "id") j++;
            if (i == left.Count || j == right.Count) return i == left.Count && j == right.Count;
            var a = left[i++];
            var e = right[j++];
            if (a.Name != e.Name || (a.IsChoice && a.Type != e.Type) || !SameValue(a, e)) return false;
        }
    }

    /// <summary>pattern[x]: every value and element the pattern has is in the instance.</summary>
    public static bool ContainsPattern(ElementNode actual, ElementNode pattern)
    {
        if (pattern.HasValue && actual.Value != pattern.Value) return false;
        var wanted = pattern.Children;
        var present = actual.Children;
        for (var p = 0; p < wanted.Count; p++)
        {
            var pc = wanted[p];
            var found = false;
            for (var a = 0; a < present.Count && !found; a++)
            {
                var ac = present[a];
                found = ac.Name == pc.Name && (!pc.IsChoice || ac.Type == pc.Type) && ContainsPattern(ac, pc);
            }
            if (!found) return false;
        }
        return true;
    }
}
