using System.Collections.Concurrent;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Syntax;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Operators;

/// <summary>
/// Type tests of <c>is</c>, <c>as</c> and <c>ofType()</c> (N1 §6.3, §5.2 ofType) over FHIR types (namespace
/// FHIR, with the StructureDefinition inheritance chain: Age → Quantity, code → string, Patient → DomainResource →
/// Resource) and System types (namespace System).
/// </summary>
internal static class TypeOperations
{
    private static readonly HashSet<string> SystemTypeNames = new(StringComparer.Ordinal)
    {
        "Boolean", "String", "Integer", "Long", "Decimal", "Date", "DateTime", "Time", "Quantity", "Any",
    };

    private static readonly ConcurrentDictionary<(DefinitionRegistry, string), string[]> Ancestors = new();

    /// <summary>
    /// Whether the item is of the type. With <paramref name="exact"/> (as and ofType), a FHIR primitive matches only
    /// its own type: the R4 suite expects <c>gender.is(string)</c> but not <c>gender.as(string)</c>.
    /// </summary>
    public static bool Is(object item, TypeSpecifier type, DefinitionRegistry? registry, bool exact = false)
    {
        if (item is ElementNode node)
        {
            if (type.Namespace == "System") return false;
            if (node.Type == type.Name) return true;
            if (exact && node.Type.Length > 0 && char.IsLower(node.Type[0])) return false;
            return AncestorsOf(node.Type, registry).Contains(type.Name);
        }
        if (type.Namespace == "FHIR") return false;
        return SystemValues.SystemTypeName(item) == type.Name;
    }

    /// <summary>
    /// <c>as</c> (N1 §6.3.2): the single item when it is of the type, else empty; several items are an error. R4's
    /// own SearchParameters, though, apply the <c>as</c> operator to repeating elements ((Observation.component.value
    /// as Quantity), (ActivityDefinition.useContext.value as CodeableConcept)) and would fail on most instances; so
    /// the operator, outside strict mode, filters several items as ofType() does (<paramref name="filterSeveral"/>;
    /// the HL7 Java engine has a switch for this, doNotEnforceAsSingletonRule; fhirpath.js enforces the rule). The
    /// function form keeps the rule, as the R4 suite expects (testFHIRPathAsFunction21).
    /// </summary>
    public static IReadOnlyList<object> As(IReadOnlyList<object> items, TypeSpecifier type, FhirPathContext context, bool filterSeveral)
    {
        EnsureKnown(type, context.Registry);
        if (items.Count == 0) return Items.Empty;
        if (items.Count == 1) return Is(items[0], type, context.Registry, exact: true) ? items : Items.Empty;
        if (!filterSeveral || context.Strict) throw FhirPathException.Execution($"as expects a single item but got {items.Count}");
        var result = new ItemBuilder();
        for (var i = 0; i < items.Count; i++)
            if (Is(items[i], type, context.Registry, exact: true)) result.Add(items[i]);
        return result.ToList();
    }

    /// <summary>An unknown type name is an error (the suite's <c>as(string1)</c>); without definitions only System names can be checked.</summary>
    public static void EnsureKnown(TypeSpecifier type, DefinitionRegistry? registry)
    {
        if (registry is null) return;
        var known = type.Namespace switch
        {
            // System.Patient is a well-formed name no value has: is() answers false rather than failing.
            "System" => true,
            "FHIR" => registry.IsKnownType(type.Name),
            null => SystemTypeNames.Contains(type.Name) || registry.IsKnownType(type.Name),
            _ => false,
        };
        if (!known) throw FhirPathException.Execution($"Unknown type '{type}'");
    }

    /// <summary>Whether the FHIR type is, or derives from, <paramref name="baseType"/>.</summary>
    public static bool Inherits(string type, string baseType, DefinitionRegistry? registry) =>
        type == baseType || AncestorsOf(type, registry).Contains(baseType);

    private static string[] AncestorsOf(string type, DefinitionRegistry? registry)
    {
        if (registry is null) return [];
        return Ancestors.GetOrAdd((registry, type), key =>
        {
            var list = new List<string>();
            var current = key.Item1.GetTypeDefinition(key.Item2);
            while (current?.BaseDefinition is { } baseUrl && list.Count < 16)
            {
                var name = baseUrl[(baseUrl.LastIndexOf('/') + 1)..];
                list.Add(name);
                current = key.Item1.GetTypeDefinition(name);
            }
            return [.. list];
        });
    }
}
