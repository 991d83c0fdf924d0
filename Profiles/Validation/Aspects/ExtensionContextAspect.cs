using System.Text.Json;
using FhirServer.Conformance.FhirPath;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// Where an extension may be used (R4 extensibility.html §2.5.0.1, defining-extensions.html §context): on the root of
/// an extension definition, a check of the element the extension is on against StructureDefinition.context (an
/// element path or type, a FHIRPath expression whose results hold the element, another extension's url) and
/// contextInvariant; and of the place it is in: a modifier extension (the definition's root isModifier) only in
/// <c>modifierExtension</c>, any other only in <c>extension</c>. Reported as the HL7 validator does.
/// </summary>
public sealed class ExtensionContextAspect : IAspectBuilder
{
    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        var profile = element.Profile;
        if (element.Definition.Parent is not null || element.Definition.SliceName is not null) return;
        if (profile.Type != "Extension" || !profile.Info.IsProfile) return;
        var sd = profile.Definition.Json;
        var contexts = new List<ExtensionUseCheck.Context>();
        if (sd.TryGetProperty("context", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var c in list.EnumerateArray())
                if (Str(c, "type") is { } type && Str(c, "expression") is { } expression)
                    contexts.Add(ExtensionUseCheck.Context.Of(type, expression));
        var invariants = new List<(string, CompiledExpression?)>();
        if (sd.TryGetProperty("contextInvariant", out var inv) && inv.ValueKind == JsonValueKind.Array)
            foreach (var i in inv.EnumerateArray())
                if (i.GetString() is { } text)
                    invariants.Add((text, Compile(text)));
        checks.Add(new ExtensionUseCheck(profile.Url, element.Definition.IsModifier, [.. contexts], [.. invariants]));
    }

    internal static CompiledExpression? Compile(string expression)
    {
        try { return FhirPathEngine.Compile(expression); }
        catch (FhirPathException) { return null; }
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
