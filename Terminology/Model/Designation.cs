namespace FhirServer.Terminology.Model;

/// <summary>A concept's <c>designation</c>: another representation, often in another language (CodeSystem.concept.designation).</summary>
public sealed record Designation(string? Language, CodingValue? Use, string Value)
{
    /// <summary>The designation's extensions an expansion echoes (<see cref="ConceptExtensions.OfDesignation"/>).</summary>
    public IReadOnlyList<ElementExtension> Extensions { get; init; } = [];
}

/// <summary>A system/code/display triple, as in a FHIR Coding.</summary>
public sealed record CodingValue(string? System, string? Code, string? Display = null, string? Version = null);
