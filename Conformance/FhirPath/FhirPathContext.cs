using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath;

/// <summary>
/// What an evaluation may use beyond its input: the resources behind <c>%resource</c> and <c>%rootResource</c>,
/// user variables, the definitions (for type inheritance, elementDefinition(), slice() and conformsTo()), and the hooks
/// the server fills for resolve(), memberOf(), conformsTo() of profiles and overrides (FHIR R4 fhirpath.html,
/// "Additional functions").
/// </summary>
public sealed class FhirPathContext
{
    public static readonly FhirPathContext Empty = new();

    public DefinitionRegistry? Registry { get; init; }

    /// <summary><c>%resource</c>; when null, the resource the input node lies in.</summary>
    public ElementNode? Resource { get; init; }

    /// <summary><c>%rootResource</c>; when null, the container of <c>%resource</c> (or <c>%resource</c>).</summary>
    public ElementNode? RootResource { get; init; }

    /// <summary>User variables by name without the <c>%</c>; values are items (ElementNode or System values).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<object>> Variables { get; init; } = new Dictionary<string, IReadOnlyList<object>>();

    /// <summary>Resolves a reference that is neither contained nor in the same Bundle; null when unknown.</summary>
    public Func<string, ElementNode?>? Resolver { get; init; }

    /// <summary>memberOf(valueSet): true/false, or null when the terminology cannot say (the result is then empty).</summary>
    public Func<object, string, bool?>? MemberOf { get; init; }

    /// <summary>
    /// conformsTo(profile) for a profile of the node's type (the definitions answer for base types and other types),
    /// also asked by slice()'s profile discriminators: true/false, or null when unknown (the result is then empty).
    /// </summary>
    public Func<ElementNode, string, bool?>? ConformsTo { get; init; }

    /// <summary>
    /// elementDefinition(): the ElementDefinition (as FHIR data) behind a node's definition, asked before the
    /// registry's snapshot; a null answer leaves it to the snapshot.
    /// </summary>
    public Func<ElementDefinitionInfo, ElementNode?>? ElementDefinitions { get; init; }

    /// <summary>slice(structure, name): whether a node matches the named slice of a profile; when set, it decides instead of the discriminators.</summary>
    public Func<ElementNode, string, string, bool>? SliceMatcher { get; init; }

    /// <summary>trace(name, …) output; nothing is written when null.</summary>
    public Action<string, IReadOnlyList<object>>? Trace { get; init; }

    /// <summary>
    /// Strict mode: a name that is no element of the focus's type is an error instead of an empty result, both when
    /// evaluation meets it and, before evaluation, wherever the definitions say no possible type of the focus has it
    /// (a static pass against the input's type, once per expression and input type).
    /// </summary>
    public bool Strict { get; init; }

    /// <summary>
    /// Order-dependent functions (first, last, tail, skip, take, the indexer) on a collection whose order is
    /// undefined (from children() or descendants()) are semantic errors, found by the same static pass.
    /// </summary>
    public bool CheckOrderedFunctions { get; init; }

    /// <summary>The instant now(), today() and timeOfDay() report; the clock when null (one reading per evaluation).</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>This context with <c>%resource</c> set to <paramref name="resource"/> (and <c>%rootResource</c> found from it).</summary>
    public FhirPathContext WithResource(ElementNode resource) => new()
    {
        Registry = Registry,
        Resource = resource,
        Variables = Variables,
        Resolver = Resolver,
        MemberOf = MemberOf,
        ConformsTo = ConformsTo,
        ElementDefinitions = ElementDefinitions,
        SliceMatcher = SliceMatcher,
        Trace = Trace,
        Strict = Strict,
        CheckOrderedFunctions = CheckOrderedFunctions,
        Now = Now,
    };
}
