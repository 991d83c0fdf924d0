namespace FhirServer.Conformance.FhirPath;

/// <summary>
/// Bounds on the expressions the engine compiles, so that no expression text can exhaust the stack: parsing,
/// compiling, the static check and evaluation all recurse once per level of the syntax tree. The defaults leave a
/// wide margin over what the specification writes (the deepest R4 core SearchParameter or invariant expression
/// nests about 40 levels, the longest is under 2,000 characters; see PackageExpressionTests) and over what a thread
/// pool thread's stack survives (docs/fhirpath.md, "Limits").
/// </summary>
public sealed record FhirPathLimits
{
    public static readonly FhirPathLimits Default = new();

    /// <summary>Longest expression text accepted, in characters.</summary>
    public int MaxLength { get; init; } = 10_000;

    /// <summary>
    /// Deepest nesting accepted: of parentheses, function arguments, indexers and unary signs while parsing, and of
    /// the syntax tree that results (each operator, invocation and argument is a level; <c>a or b or c</c> is three).
    /// </summary>
    public int MaxDepth { get; init; } = 200;
}
