using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Serialization;

/// <summary>
/// R4 dom-2 (resource.html#contained): "If the resource is contained in another resource, it SHALL NOT contain
/// nested Resources". Both parsers refuse the nested ones as they meet them, without reading into them, so that
/// containment is one level deep wherever a resource comes from. A Bundle may still be contained and hold resources
/// in its entries; its depth is bounded by <see cref="ParserOptions.MaxDepth"/> like any other content.
/// </summary>
internal static class ContainedRule
{
    public const string Message = "A contained resource SHALL NOT contain resources of its own (R4 dom-2)";

    /// <summary>Whether a resource in <paramref name="element"/> of <paramref name="parent"/> would be contained within a contained resource.</summary>
    public static bool IsNested(ElementNode parent, string element) =>
        element == "contained" && parent is { IsResource: true, Name: "contained" };
}
