using System.Text.Json;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Syntax;
using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// The rules of a SearchParameter its definition cannot state (R4 searchparameter.html):
/// <list type="bullet">
/// <item>a composite search parameter combines two or more components (search.html §3.1.1.5.8, SearchParameter.component);</item>
/// <item>its expression's paths start at the resources it is for: a path that starts with another resource type
/// (<c>Organization.name</c> in a parameter on Patient) finds nothing;</item>
/// <item>a parameter <c>derivedFrom</c> another (a constraint on it) keeps its type and is for resources the other
/// is for.</item>
/// </list>
/// </summary>
public sealed class SearchParameterCheck : IResourceCheck
{
    private const string CoreStructure = "http://hl7.org/fhir/StructureDefinition/";

    public string? ResourceType => "SearchParameter";

    public void Check(ElementNode resource, ValidationState state)
    {
        var type = resource.Child("type")?.Value;
        if (type == "composite" && resource.ChildrenNamed("component").Count() < 2)
            state.Report(IssueSeverity.Error, "business-rule",
                "When the SearchParameter has a type of 'composite', then the SearchParameter must define two or more components", resource);
        var bases = resource.ChildrenNamed("base").Select(b => b.Value).OfType<string>().ToList();
        if (bases.Count == 0) return;
        if (resource.Child("expression") is { Value: { Length: > 0 } expression } node) CheckExpression(node, expression, bases, state);
        if (resource.Child("derivedFrom")?.Value is { Length: > 0 } derivedFrom) CheckDerivation(resource, derivedFrom, type, bases, state);
    }

    private static void CheckExpression(ElementNode node, string expression, List<string> bases, ValidationState state)
    {
        CompiledExpression compiled;
        try { compiled = FhirPathEngine.Compile(expression); }
        catch (FhirPathException e)
        {
            state.Report(IssueSeverity.Error, "invalid", $"Error in search expression '{expression}': {e.Message}", node);
            return;
        }
        var registry = state.Schemas.Registry;
        foreach (var root in Roots(compiled.Syntax))
        {
            if (!registry.IsResourceType(root.Name) || bases.Any(b => TypeHierarchy.Inherits(b, root.Name, registry))) continue;
            state.Report(IssueSeverity.Error, "invalid",
                $"Error in search expression '{expression}': The name '{root.Name}' is not valid for any of the possible types: [{string.Join(", ", bases.Select(b => CoreStructure + b))}] (@char {root.Position + 1})", node);
            return;
        }
    }

    // The identifier each path of the expression starts with: `Organization` in `Organization.name | Organization.alias`,
    // `Observation` in `(Observation.value as Quantity)`.
    private static IEnumerable<IdentifierExpr> Roots(Expr expr)
    {
        switch (expr)
        {
            case IdentifierExpr identifier:
                yield return identifier;
                break;
            case BinaryExpr { Operator: "|" } union:
                foreach (var r in Roots(union.Left)) yield return r;
                foreach (var r in Roots(union.Right)) yield return r;
                break;
            case MemberExpr member:
                foreach (var r in Roots(member.Target)) yield return r;
                break;
            case FunctionCallExpr { Target: { } target }:
                foreach (var r in Roots(target)) yield return r;
                break;
            case IndexerExpr indexer:
                foreach (var r in Roots(indexer.Target)) yield return r;
                break;
            case TypeOperatorExpr typed:
                foreach (var r in Roots(typed.Operand)) yield return r;
                break;
        }
    }

    private static void CheckDerivation(ElementNode resource, string derivedFrom, string? type, List<string> bases, ValidationState state)
    {
        var registry = state.Schemas.Registry;
        if (registry.Resolve(derivedFrom) is not { ResourceType: "SearchParameter" } entry) return;
        using var json = registry.ReadJson(entry);
        var root = json.RootElement;
        var theirBases = root.TryGetProperty("base", out var b) && b.ValueKind == JsonValueKind.Array
            ? b.EnumerateArray().Select(x => x.GetString()).OfType<string>().ToList() : [];
        foreach (var name in bases)
            if (!theirBases.Any(t => TypeHierarchy.Inherits(name, t, registry)))
                state.Report(IssueSeverity.Error, "business-rule",
                    $"The resource type {name} is not listed as a base in the SearchParameter this is derived from ({derivedFrom})", resource);
        if (type is not null && root.TryGetProperty("type", out var t) && t.GetString() is { } theirType && theirType != type)
            state.Report(IssueSeverity.Error, "business-rule",
                $"The type {type} is different to the type {theirType} of {derivedFrom}, the SearchParameter this is derived from", resource);
    }
}
