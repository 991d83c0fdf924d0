using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Syntax;
using FhirServer.Conformance.Model;
using Microsoft.Extensions.Caching.Memory;

namespace FhirServer.Conformance.FhirPath;

/// <summary>
/// Entry point of the FHIRPath engine (N1, http://hl7.org/fhirpath/N1/, with the FHIR R4 additions): compiles an
/// expression once and keeps it, keyed by its text, among the <see cref="CacheLimit"/> most recently used.
/// </summary>
public static class FhirPathEngine
{
    /// <summary>
    /// Compiled expressions kept. Expressions also come from clients (FHIRPath Patch paths), each distinct text a new
    /// entry: unbounded, a client sending new texts would grow the process without end. The expressions of the
    /// definitions are far fewer, and those used on every write (search parameters) are held by their users anyway.
    /// </summary>
    public const int CacheLimit = 4096;

    // Past the limit MemoryCache refuses new entries and, in the background, evicts the least recently used 5%.
    private static readonly MemoryCache Cache = new(new MemoryCacheOptions { SizeLimit = CacheLimit, CompactionPercentage = 0.05 });

    /// <summary>How many compiled expressions are kept now.</summary>
    internal static int CachedCount => Cache.Count;

    /// <summary>Parses and compiles, or returns the compiled form cached for this text; throws <see cref="FhirPathException"/>.</summary>
    public static CompiledExpression Compile(string expression)
    {
        if (Cache.TryGetValue(expression, out CompiledExpression? compiled) && compiled is not null) return compiled;
        var syntax = Parser.Parse(expression);
        compiled = new CompiledExpression(expression, syntax, Compiler.Compile(syntax));
        using (var entry = Cache.CreateEntry(expression))
        {
            entry.Size = 1;
            entry.Value = compiled;
        }
        return compiled;
    }

    public static IReadOnlyList<object> Evaluate(string expression, ElementNode? input, FhirPathContext? context = null) =>
        Compile(expression).Evaluate(input, context);

    public static bool? Predicate(string expression, ElementNode? input, FhirPathContext? context = null) =>
        Compile(expression).Predicate(input, context);
}
