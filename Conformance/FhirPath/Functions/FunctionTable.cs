using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Syntax;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>One invocation of a function: the frame it runs in, its (unevaluated) arguments and, for is/as/ofType, the type argument.</summary>
internal readonly record struct Call(Frame Frame, Evaluator[] Args, TypeSpecifier? Type, string Name, bool[]? Descending = null)
{
    public int Count => Args.Length;

    /// <summary>An argument evaluated in the caller's frame (<c>$this</c> is the caller's, not the input item's).</summary>
    public IReadOnlyList<object> Arg(int i) => Args[i](Frame);

    public FhirPathContext Context => Frame.State.Context;
}

internal delegate IReadOnlyList<object> FunctionBody(Call call, IReadOnlyList<object> input);

/// <summary>How the compiler hands the arguments over: as expressions, as a type name (is/as/ofType), or as sort keys (a leading '-' means descending).</summary>
internal enum ArgumentKind
{
    Expressions,
    TypeName,
    SortKeys,
}

internal sealed record FunctionDefinition(string Name, int MinArity, int MaxArity, FunctionBody Body, ArgumentKind Arguments = ArgumentKind.Expressions);

/// <summary>
/// The one table of FHIRPath functions, name → arity → implementation (N1 §5 and the FHIR R4 additions of fhirpath.html
/// "FHIRPath in FHIR"). Each family registers itself from its own file.
/// </summary>
internal static class FunctionTable
{
    private static readonly Dictionary<string, List<FunctionDefinition>> Functions = Build();

    public static FunctionDefinition? Find(string name, int arity) =>
        Functions.TryGetValue(name, out var list) ? list.FirstOrDefault(f => arity >= f.MinArity && arity <= f.MaxArity) : null;

    public static bool Exists(string name) => Functions.ContainsKey(name);

    public static IEnumerable<string> Names => Functions.Keys;

    private static Dictionary<string, List<FunctionDefinition>> Build()
    {
        var table = new Dictionary<string, List<FunctionDefinition>>(StringComparer.Ordinal);
        var registry = new FunctionRegistry(table);
        ExistenceFunctions.Register(registry);
        FilteringFunctions.Register(registry);
        SubsettingFunctions.Register(registry);
        CombiningFunctions.Register(registry);
        ConversionFunctions.Register(registry);
        StringFunctions.Register(registry);
        MathFunctions.Register(registry);
        NavigationFunctions.Register(registry);
        UtilityFunctions.Register(registry);
        BoundaryFunctions.Register(registry);
        FhirFunctions.Register(registry);
        return table;
    }
}

internal sealed class FunctionRegistry(Dictionary<string, List<FunctionDefinition>> table)
{
    public void Add(string name, int minArity, int maxArity, FunctionBody body, ArgumentKind arguments = ArgumentKind.Expressions)
    {
        if (!table.TryGetValue(name, out var list)) table[name] = list = [];
        list.Add(new FunctionDefinition(name, minArity, maxArity, body, arguments));
    }

    public void Add(string name, int arity, FunctionBody body) => Add(name, arity, arity, body);
}
