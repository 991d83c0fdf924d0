using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.References;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// ElementDefinition.type for Reference and canonical (R4 references.html, elementdefinition.html "targetProfile",
/// "aggregation"): the form of <c>Reference.reference</c>, the target's type against <c>targetProfile</c> (from the
/// literal reference, the resolved target or <c>Reference.type</c>), <c>Reference.type</c> against the literal
/// reference, the aggregation modes, and a resolved target against the profiles <c>targetProfile</c> names. A
/// canonical must be absolute (or a fragment) and, when it names a resource loaded here, one of the allowed types.
/// </summary>
public sealed class ReferenceAspect : IAspectBuilder
{
    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        foreach (var type in element.Types)
        {
            if (type.Code == "Reference") checks.Add(new ReferenceCheck(type.TargetProfiles, Aggregation(json)));
            else if (type.Code == "canonical") checks.Add(new CanonicalCheck(type.TargetProfiles));
        }
    }

    // type[code=Reference].aggregation: contained | referenced | bundled.
    private static string[] Aggregation(JsonElement json)
    {
        if (!json.TryGetProperty("type", out var types) || types.ValueKind != JsonValueKind.Array) return [];
        foreach (var t in types.EnumerateArray())
            if (t.TryGetProperty("code", out var code) && code.ValueEquals("Reference") &&
                t.TryGetProperty("aggregation", out var modes) && modes.ValueKind == JsonValueKind.Array)
                return [.. modes.EnumerateArray().Select(m => m.GetString()).OfType<string>()];
        return [];
    }

    /// <summary>A canonical: absolute or a fragment (R4 references.html §2.3.0.6), of an allowed type when it is known here.</summary>
    private sealed class CanonicalCheck(IReadOnlyList<string> targetProfiles) : IElementCheck
    {
        private TargetSet? _targets;

        public void Check(ElementNode node, ValidationState state)
        {
            if (node.Type != "canonical" || node.Value is not { Length: > 0 } value || value[0] == '#') return;
            if (!value.Contains(':'))
            {
                state.Report(IssueSeverity.Error, "invalid",
                    $"Canonical URLs must be absolute URLs if they are not fragment references ({value})", node);
                return;
            }
            // Compiled on first use: the profile source is the validation's (a schema is thrown away when it changes).
            var targets = _targets ??= TargetSet.Compile(targetProfiles, state.Schemas.Source);
            if (targets.Types is null) return;
            var registry = state.Schemas.Registry;
            var bar = value.IndexOf('|');
            // A package's resource, or a StructureDefinition added to the profile source (a stored profile).
            var type = (registry.Resolve(value) ?? (bar > 0 ? registry.Resolve(value[..bar]) : null))?.ResourceType
                ?? (state.Schemas.Source.Find(value) is not null ? "StructureDefinition" : null);
            if (type is not null && !targets.Allows(type))
                state.Report(IssueSeverity.Error, "structure",
                    $"The canonical URL '{value}' refers to a {type}, which is not a valid target here (must be one of [{targets.Allowed}])", node);
        }
    }
}
