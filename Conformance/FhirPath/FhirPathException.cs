namespace FhirServer.Conformance.FhirPath;

/// <summary>The three kinds of error FHIRPath distinguishes (N1 §3 and the test suite's <c>invalid</c> attribute).</summary>
public enum FhirPathErrorKind
{
    Syntax,
    Semantic,
    Execution,
}

/// <summary>A FHIRPath error: a syntax error carries the position (0-based offset) in the expression text.</summary>
public sealed class FhirPathException(FhirPathErrorKind kind, string message, int position = -1)
    : Exception(position >= 0 ? $"{message} (at {position})" : message)
{
    public FhirPathErrorKind Kind { get; } = kind;
    public int Position { get; } = position;

    /// <summary>The message without the position.</summary>
    internal string Detail { get; } = message;

    /// <summary>
    /// For an expression refused by one of <see cref="FhirPathLimits"/>: the name of that limit (<c>MaxDepth</c>,
    /// <c>MaxLength</c>), so that a host can name its own setting; null for every other error.
    /// </summary>
    public string? Limit { get; private init; }

    internal static FhirPathException Syntax(string message, int position) => new(FhirPathErrorKind.Syntax, message, position);
    internal static FhirPathException Semantic(string message, int position = -1) => new(FhirPathErrorKind.Semantic, message, position);
    internal static FhirPathException Execution(string message) => new(FhirPathErrorKind.Execution, message);

    internal static FhirPathException TooDeep(int limit, int position) =>
        new(FhirPathErrorKind.Syntax, $"The expression nests deeper than the limit of {limit} levels", position) { Limit = nameof(FhirPathLimits.MaxDepth) };

    internal static FhirPathException TooLong(int length, int limit) =>
        new(FhirPathErrorKind.Syntax, $"The expression is {length:N0} characters long, over the limit of {limit:N0}") { Limit = nameof(FhirPathLimits.MaxLength) };
}
