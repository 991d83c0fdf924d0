using FhirServer.Conformance.Model;
using FhirServer.Terminology.Model;

namespace FhirServer.Terminology;

/// <summary>
/// ConceptMap/$translate input (R4 OperationDefinition ConceptMap-translate): the code to translate (a coding, or
/// the codings of a CodeableConcept), which map (<c>url</c>, the map itself, or every map in scope), and what to
/// translate to.
/// </summary>
public sealed record TranslateRequest(IReadOnlyList<CodingValue> Codings)
{
    /// <summary>The map's canonical (<c>url</c> or <c>url|version</c>), or the map itself (<c>conceptMap</c>, or the instance).</summary>
    public string? ConceptMapUrl { get; init; }
    public ElementNode? ConceptMap { get; init; }
    /// <summary>The value set the code was chosen from, and the one a translation is sought in (they select maps by scope).</summary>
    public string? Source { get; init; }
    public string? Target { get; init; }
    /// <summary>The system to translate to (in reverse, the system to translate back to).</summary>
    public string? TargetSystem { get; init; }
    /// <summary>Other elements that may select the mapping (dependsOn): the element's uri and its value.</summary>
    public IReadOnlyList<(string Element, CodingValue Concept)> Dependencies { get; init; } = [];
    /// <summary>Find the source codes that map to this (target) code.</summary>
    public bool Reverse { get; init; }
    public IReadOnlyList<ElementNode> TxResources { get; init; } = [];
}
