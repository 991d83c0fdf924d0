namespace FhirServer.Conformance.Serialization;

/// <summary>Limits and checks applied by the JSON and XML parsers. The defaults suit a public server.</summary>
public sealed record ParserOptions
{
    public static readonly ParserOptions Default = new();

    /// <summary>Deepest nesting of JSON objects/arrays or XML elements accepted; deeper input is refused, not recursed into.</summary>
    public int MaxDepth { get; init; } = 256;

    /// <summary>R4 §2.24.0.1 (string): "Strings SHALL NOT exceed 1MB (1024*1024 characters)".</summary>
    public int MaxStringLength { get; init; } = 1024 * 1024;

    /// <summary>base64Binary carries attachments (Binary.data), so it has its own, larger limit.</summary>
    public int MaxBase64Length { get; init; } = 64 * 1024 * 1024;

    /// <summary>Check primitive values against their type's regex (dates, ids, codes, uris…).</summary>
    public bool ValidatePrimitives { get; init; } = true;

    /// <summary>Check that narrative <c>div</c> is well-formed XHTML.</summary>
    public bool ValidateXhtml { get; init; } = true;
}
