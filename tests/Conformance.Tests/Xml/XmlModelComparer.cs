using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;

namespace FhirServer.Conformance.Tests.Xml;

/// <summary>
/// Compares two model trees node by node: name, type, value, resource flag, definition (by reference) and the
/// children in definition order. Order within one element name is kept, so repeating elements compare in sequence.
/// </summary>
public static class XmlModelComparer
{
    public static IReadOnlyList<string> Differences(ElementNode expected, ElementNode actual, int max = 20)
    {
        var differences = new List<string>();
        Compare(expected, actual, differences, max);
        return differences;
    }

    private static void Compare(ElementNode a, ElementNode b, List<string> differences, int max)
    {
        if (differences.Count >= max) return;
        var where = a.Location;
        if (a.Name != b.Name || a.Type != b.Type || a.IsResource != b.IsResource)
        {
            differences.Add($"{where}: {a.Name}:{a.Type} became {b.Name}:{b.Type} at {b.Location}");
            return;
        }
        if (a.Value != b.Value) differences.Add($"{where}: value '{a.Value}' became '{b.Value}'");
        if (!ReferenceEquals(a.Definition, b.Definition)) differences.Add($"{where}: definition {a.Definition} became {b.Definition}");
        var ac = FhirJsonWriter.InDefinitionOrder(a.Children);
        var bc = FhirJsonWriter.InDefinitionOrder(b.Children);
        if (ac.Count != bc.Count)
            differences.Add($"{where}: {ac.Count} children ({Names(ac)}) became {bc.Count} ({Names(bc)})");
        for (var i = 0; i < Math.Min(ac.Count, bc.Count); i++) Compare(ac[i], bc[i], differences, max);
    }

    private static string Names(IEnumerable<ElementNode> nodes) => string.Join(",", nodes.Select(n => n.SerializedName));
}
