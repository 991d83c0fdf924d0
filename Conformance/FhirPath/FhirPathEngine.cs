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
    /// Characters of expression text whose compiled forms are kept (a compiled expression takes memory in proportion to
    /// its text, some 30 bytes a character: this bounds the cache near 15 MB). Expressions also come from clients
    /// (FHIRPath Patch paths), each distinct text a new entry: unbounded, a client sending new texts would grow the
    /// process without end. The expressions of the definitions are some 100 characters each, so thousands fit, and
    /// those used on every write (search parameters) are held by their users anyway.
    /// </summary>
    public const int CacheLimit = 512 * 1024;

    // Past the limit MemoryCache refuses new entries and evicts the least recently used 5% in the background; Compile
    // compacts at once instead when its entry was refused, so that a full cache still keeps what is compiled now.
    private static readonly MemoryCache Cache = new(new MemoryCacheOptions { SizeLimit = CacheLimit, CompactionPercentage = 0.05, TrackStatistics = true });

    /// <summary>The characters of expression text kept now (the cache's size, as it counts it).</summary>
    internal static long CachedSize => Cache.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    /// <summary>Empties the cache (tests start from a known size).</summary>
    internal static void ClearCache() => Cache.Compact(1.0);

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
        if (Cache.TryGetValue(expression, out CompiledExpression? compiled) && compiled is not null)
        {
            if (expression.Length > limits.MaxLength) throw FhirPathException.TooLong(expression.Length, limits.MaxLength);
            if (compiled.Depth > limits.MaxDepth) throw FhirPathException.TooDeep(limits.MaxDepth, compiled.Syntax.Position);
            return compiled;
        }
        var syntax = Parser.Parse(expression, limits);
        compiled = new CompiledExpression(expression, syntax, Compiler.Compile(syntax));
        Keep(expression, compiled);
        if (!Cache.TryGetValue(expression, out _))
        {
            Cache.Compact(0.05);
            Keep(expression, compiled);
        }
        return compiled;
    }

    private static void Keep(string expression, CompiledExpression compiled)
    {
        using var entry = Cache.CreateEntry(expression);
        entry.Size = Math.Max(1, expression.Length);
        entry.Value = compiled;
    }

    public static IReadOnlyList<object> Evaluate(string expression, ElementNode? input, FhirPathContext? context = null) =>
        Compile(expression).Evaluate(input, context);

    public static IReadOnlyList<object> Evaluate(string expression, FhirPathLimits limits, ElementNode? input, FhirPathContext? context = null) =>
        Compile(expression, limits).Evaluate(input, context);

    public static bool? Predicate(string expression, ElementNode? input, FhirPathContext? context = null) =>
        Compile(expression).Predicate(input, context);
}
