namespace FhirServer.Conformance.Definitions;

/// <summary>ElementDefinition.constraint: an invariant with its FHIRPath expression.</summary>
public sealed record ElementConstraint(string Key, string Severity, string Human, string? Expression, string? Source);

/// <summary>ElementDefinition.binding: strength and value set canonical.</summary>
public sealed record ElementBinding(string Strength, string? ValueSet);
