using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>The check <see cref="ExtensionContextAspect"/> compiles for one extension definition.</summary>
internal sealed class ExtensionUseCheck(string url, bool isModifier, ExtensionUseCheck.Context[] contexts, (string Text, CompiledExpression? Compiled)[] invariants)
    : IElementCheck
{
    private Context[]? _allVersions;

    public void Check(ElementNode node, ValidationState state)
    {
        if (node.Parent is not { } container) return;
        var allowed = Volatile.Read(ref _allVersions) ?? AllVersions(state.Schemas.Registry);
        if (node.Name == "extension" && isModifier)
            state.Report(IssueSeverity.Error, "structure", $"The Extension '{url}' must not be used as an extension (it's a modifierExtension)", node);
        else if (node.Name == "modifierExtension" && !isModifier)
            state.Report(IssueSeverity.Error, "structure", $"The Extension '{url}' must not be used as a modifierExtension (it's a regular extension)", node);

        if (allowed.Length > 0 && !Allowed(allowed, container, state))
        {
            state.Report(IssueSeverity.Error, "structure",
                $"The {(node.Name == "modifierExtension" ? "modifier extension" : "extension")} {url} is not allowed to be used at this point (this element is [{string.Join(", ", Describe(container))}]; allowed for this version = {string.Join(", ", allowed.Select(c => c.ToString()))})",
                container);
            return;
        }
        foreach (var (text, compiled) in invariants)
        {
            bool? holds;
            try { holds = compiled?.Predicate(container, state.FhirPath); }
            catch (FhirPathException) { holds = null; }
            if (holds == false)
                state.Report(IssueSeverity.Error, "structure",
                    $"The extension {url} is not allowed to be used at this point (based on context invariant '{text}')", container);
        }
    }

    // The contexts of every loaded version of the definition: the packages disagree (the extensions pack moves R4 core's
    // cqf-qualityOfEvidence from Attachment to PlanDefinition.action), and an instance may have been written for either.
    private Context[] AllVersions(DefinitionRegistry registry)
    {
        var all = new List<Context>(contexts);
        foreach (var entry in registry.AllVersions(url))
        {
            using var json = registry.ReadJson(entry);
            if (!json.RootElement.TryGetProperty("context", out var list) || list.ValueKind != System.Text.Json.JsonValueKind.Array) continue;
            foreach (var c in list.EnumerateArray())
                if (c.TryGetProperty("type", out var t) && c.TryGetProperty("expression", out var e) && t.GetString() is { } type && e.GetString() is { } expression &&
                    !all.Exists(x => x.Type == type && x.Expression == expression))
                    all.Add(Context.Of(type, expression));
        }
        Context[] merged = [.. all];
        return Interlocked.CompareExchange(ref _allVersions, merged, null) ?? merged;
    }

    private static bool Allowed(Context[] contexts, ElementNode container, ValidationState state)
    {
        var registry = state.Schemas.Registry;
        foreach (var c in contexts)
        {
            switch (c.Type)
            {
                case "element":
                    if (c.Expression is "Element" or "Any" || MatchesPath(c.Segments, container, registry)) return true;
                    // An element repeated through contentReference (Questionnaire.item.item) is the element it refers to.
                    if (container.Definition is { } d && d.Target.Path == c.Expression) return true;
                    break;
                case "extension":
                    // On the extension, or on its value (an extension of the valueBoolean of the named extension).
                    if (IsExtension(container, c.Expression) || (container.Parent is { } owner && IsExtension(owner, c.Expression))) return true;
                    break;
                case "fhirpath":
                    if (c.Compiled is not null && container.ResourceNode is { } resource)
                    {
                        try
                        {
                            foreach (var item in c.Compiled.Evaluate(resource, state.FhirPath))
                                if (ReferenceEquals(item, container)) return true;
                        }
                        catch (FhirPathException)
                        {
                            // An expression that fails here allows nothing.
                        }
                    }
                    break;
            }
        }
        return false;
    }

    private static bool IsExtension(ElementNode node, string url) => node.Type == "Extension" && node.Child("url")?.Value == url;

    // Patient.contact.relationship: the names from the end of the path up the container's ancestors, then a type (or a
    // type it derives from) where the path starts: a resource, or a data type (Address.line on any address's line).
    private static bool MatchesPath(string[] segments, ElementNode container, DefinitionRegistry registry)
    {
        var node = container;
        for (var k = segments.Length - 1; k >= 1; k--)
        {
            if (node is null || node.IsResource) return false;
            var s = segments[k];
            if (s != node.Name && !(node.IsChoice && s.Length == node.Name.Length + 3 && s.StartsWith(node.Name, StringComparison.Ordinal) && s.EndsWith("[x]", StringComparison.Ordinal)))
                return false;
            node = node.Parent;
        }
        return node is not null && TypeHierarchy.Inherits(node.Type, segments[0], registry);
    }

    // What the element is, as the HL7 validator lists it: its type, its path from the resource, and its path from each
    // data type it lies in.
    private static IEnumerable<string> Describe(ElementNode container)
    {
        var names = new List<string>();
        var result = new SortedSet<string>(StringComparer.Ordinal) { container.Type };
        for (var node = container; node is not null; node = node.Parent)
        {
            if (node != container && (node.IsResource || node.Type is not ("BackboneElement" or "Element")))
                result.Add(string.Join(".", [node.Type, .. Enumerable.Reverse(names)]));
            if (node.IsResource) break;
            names.Add(node.Name);
        }
        return result;
    }

    /// <summary>One StructureDefinition.context entry, compiled.</summary>
    internal sealed record Context(string Type, string Expression, string[] Segments, CompiledExpression? Compiled)
    {
        public static Context Of(string type, string expression) =>
            new(type, expression, type == "element" ? expression.Split('.') : [], type == "fhirpath" ? ExtensionContextAspect.Compile(expression) : null);

        public override string ToString() => $"{Type switch { "element" => "e", "extension" => "x", _ => "p" }}:{Expression}";
    }
}
