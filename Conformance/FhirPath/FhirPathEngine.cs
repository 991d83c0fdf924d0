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

    /// <summary>Parses and compiles, or returns the compiled form cached for this text; throws <see cref="FhirPathException"/>.</summary>
    public static CompiledExpression Compile(string expression)
    {
        if (Cache.TryGetValue(expression, out var compiled)) return compiled;
        var syntax = Parser.Parse(expression);
        compiled = new CompiledExpression(expression, syntax, Compiler.Compile(syntax));
        return Cache.GetOrAdd(expression, compiled);
    }

    public static IReadOnlyList<object> Evaluate(string expression, ElementNode? input, FhirPathContext? context = null) =>
        Compile(expression).Evaluate(input, context);

    public static bool? Predicate(string expression, ElementNode? input, FhirPathContext? context = null) =>
        Compile(expression).Predicate(input, context);
}
