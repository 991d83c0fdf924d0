using FhirServer.Conformance.FhirPath.Compilation;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>N1 §5.4 Combining: union (without duplicates) and combine (keeps them).</summary>
internal static class CombiningFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("union", 1, (call, input) => OperatorEvaluators.Union(input, call.Arg(0)));
        r.Add("combine", 1, (call, input) => input.Concat(call.Arg(0)).ToList());
    }
}
