using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>N1 §5.8 Tree navigation: children() and descendants() (in document order, depth first).</summary>
internal static class NavigationFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("children", 0, (_, input) => Items.Nodes(input).SelectMany(n => n.Children).Cast<object>().ToList());
        r.Add("descendants", 0, (_, input) => Items.Nodes(input).SelectMany(n => n.Descendants()).Cast<object>().ToList());
    }
}
