using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>
/// The functions FHIR R4 adds to FHIRPath (FHIR R4 fhirpath.html, "Additional functions"): extension(), hasValue(),
/// getValue(), resolve(), memberOf(), conformsTo(), htmlChecks(), elementDefinition(), slice(). elementDefinition() and
/// slice() answer from the definitions (<see cref="DefinitionNodes"/>, <see cref="SliceRule"/>), conformsTo() as far
/// as types decide; terminology and profile validation are hooks in <see cref="FhirPathContext"/>, and without them
/// the answer is unknown (empty).
/// </summary>
internal static class FhirFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("extension", 1, (call, input) =>
        {
            if (input.Count == 0) return Items.Empty;
            var url = Items.SingleString(call.Arg(0), "extension");
            if (url is null) return Items.Empty;
            var result = new ItemBuilder();
            for (var i = 0; i < input.Count; i++)
            {
                if (input[i] is not ElementNode { HasChildren: true } node) continue;
                var children = node.Children;
                for (var c = 0; c < children.Count; c++)
                    if (children[c].Name == "extension" && children[c].Child("url")?.Value == url) result.Add(children[c]);
            }
            return result.ToList();
        });
        // Not in R4's list of functions, but an R4 core SearchParameter (questionnaireresponse-item-subject) uses it,
        // as the reference implementation supports: extension(url).exists().
        r.Add("hasExtension", 1, (call, input) =>
        {
            var url = Items.SingleString(call.Arg(0), "hasExtension");
            return Items.Bool(url is not null && Items.Nodes(input).SelectMany(n => n.ChildrenNamed("extension")).Any(e => e.Child("url")?.Value == url));
        });
        r.Add("hasValue", 0, (_, input) => Items.Bool(input.Count == 1 && input[0] is ElementNode { HasValue: true }));
        r.Add("getValue", 0, (_, input) =>
            input.Count == 1 && input[0] is ElementNode { HasValue: true } n ? Items.Of(SystemValues.ToSystem(n)) : Items.Empty);
        r.Add("resolve", 0, (call, input) =>
        {
            var result = new ItemBuilder();
            for (var i = 0; i < input.Count; i++)
                if (ReferenceResolution.Resolve(input[i], call.Frame.State, call.Context) is { } resolved) result.Add(resolved);
            return result.ToList();
        });
        r.Add("memberOf", 1, (call, input) =>
        {
            var item = Items.Single(input, "memberOf");
            var valueSet = Items.SingleString(call.Arg(0), "memberOf");
            if (item is null || valueSet is null || call.Context.MemberOf is not { } memberOf) return Items.Empty;
            return Items.Bool(memberOf(item, valueSet));
        });
        r.Add("conformsTo", 1, (call, input) =>
        {
            var profile = Items.SingleString(call.Arg(0), "conformsTo");
            if (profile is null) return Items.Empty;
            return input.Select(i => i is ElementNode n ? Items.Bool(ConformsTo(call, n, profile)) : Items.False).SelectMany(x => x).ToList();
        });
        r.Add("htmlChecks", 0, (_, input) =>
        {
            var item = Items.Single(input, "htmlChecks");
            return item is ElementNode { Value: { } xhtml } ? Items.Bool(XhtmlChecker.Check(xhtml) is null) : Items.Empty;
        });
        r.Add("elementDefinition", 0, (call, input) =>
        {
            var result = new ItemBuilder();
            for (var i = 0; i < input.Count; i++)
                if (input[i] is ElementNode { Definition: { } definition } && ElementDefinition(call.Context, definition) is { } found) result.Add(found);
            return result.ToList();
        });
        r.Add("slice", 2, (call, input) =>
        {
            var structure = Items.SingleString(call.Arg(0), "slice");
            var name = Items.SingleString(call.Arg(1), "slice");
            if (structure is null || name is null) return Items.Empty;
            if (call.Context.SliceMatcher is { } matches) return Items.Nodes(input).Where(n => matches(n, structure, name)).Cast<object>().ToList();
            if (call.Context.Registry is not { } registry) return Items.Empty;
            // The slice is looked up even for an empty input: a misspelt name is an error whatever the data.
            var rule = SliceRule.Find(registry, structure, name);
            var result = new ItemBuilder();
            for (var i = 0; i < input.Count; i++)
                if (input[i] is ElementNode n && rule.Matches(n, call.Context)) result.Add(n);
            return result.ToList();
        });
    }

    // The hook first (a profile layer may know better, e.g. the profile's own element); then the snapshot element the
    // node was read with, as FHIR data.
    private static ElementNode? ElementDefinition(FhirPathContext context, ElementDefinitionInfo definition) =>
        context.ElementDefinitions?.Invoke(definition)
        ?? (context.Registry is { } registry ? DefinitionNodes.Find(definition, registry) : null);

    // A base definition (a resource or data type) answers by type; a profile of another type is certainly not met;
    // a profile of the node's type (or of one it derives from) needs the validator's hook. An unknown canonical is
    // an error, as the R4 suite expects.
    private static bool? ConformsTo(Call call, ElementNode node, string profile)
    {
        if (call.Context.Registry is not { } registry) return call.Context.ConformsTo?.Invoke(node, profile);
        var sd = registry.GetStructureDefinition(profile) ?? throw FhirPathException.Execution($"Unknown profile '{profile}'");
        return ConformsTo(call.Context, registry, node, sd, profile);
    }

    internal static bool? ConformsTo(FhirPathContext context, DefinitionRegistry registry, ElementNode node, StructureDefinitionInfo sd, string profile)
    {
        if (!TypeOperations.Inherits(node.Type, sd.Type, registry)) return false;
        return sd.IsProfile ? context.ConformsTo?.Invoke(node, profile) : true;
    }
}
