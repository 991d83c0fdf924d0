using System.Collections.Concurrent;
using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Syntax;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath;

/// <summary>
/// Entry point of the FHIRPath engine (N1, http://hl7.org/fhirpath/N1/, with the FHIR R4 additions): compiles an
/// expression once and keeps it for the life of the process, keyed by its text.
/// </summary>
public static class FhirPathEngine
{
    private static readonly ConcurrentDictionary<string, CompiledExpression> Cache = new(StringComparer.Ordinal);

    /// <summary>
    /// Parses and compiles within <see cref="FhirPathLimits.Default"/>, or returns the compiled form cached for this
    /// text; throws <see cref="FhirPathException"/>.
    /// </summary>
    public static CompiledExpression Compile(string expression) => Compile(expression, FhirPathLimits.Default);

    /// <summary>
    /// The same within <paramref name="limits"/> (an expression a client sent: the host's limits). A cached form
    /// is checked against them too, since it may have been compiled under wider ones.
    /// </summary>
    public static CompiledExpression Compile(string expression, FhirPathLimits limits)
    {
        if (Cache.TryGetValue(expression, out var compiled))
        {
            if (expression.Length > limits.MaxLength) throw FhirPathException.TooLong(expression.Length, limits.MaxLength);
            if (compiled.Depth > limits.MaxDepth) throw FhirPathException.TooDeep(limits.MaxDepth, compiled.Syntax.Position);
            return compiled;
        }
        var syntax = Parser.Parse(expression, limits);
        compiled = new CompiledExpression(expression, syntax, Compiler.Compile(syntax));
        return Cache.GetOrAdd(expression, compiled);
    }

    public static IReadOnlyList<object> Evaluate(string expression, ElementNode? input, FhirPathContext? context = null) =>
        Compile(expression).Evaluate(input, context);

    public static IReadOnlyList<object> Evaluate(string expression, FhirPathLimits limits, ElementNode? input, FhirPathContext? context = null) =>
        Compile(expression, limits).Evaluate(input, context);

    public static bool? Predicate(string expression, ElementNode? input, FhirPathContext? context = null) =>
        Compile(expression).Predicate(input, context);
}
