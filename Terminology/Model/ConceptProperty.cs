namespace FhirServer.Terminology.Model;

/// <summary>A concept's <c>property</c>: a code defined by the code system and a value of one of the value[x] types.</summary>
public sealed record ConceptProperty(string Code, string ValueType, string? Value, CodingValue? Coding = null);
