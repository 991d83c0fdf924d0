using System.Text.Json;
using FhirServer.Conformance.Definitions;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Slicing;

/// <summary>
/// Compiles ElementDefinition.slicing (R4 profiling.html §5.1.0.7): the rules (<c>closed</c>, <c>open</c>,
/// <c>openAtEnd</c>) and <c>ordered</c> from the sliced element now; each slice's discriminators on first use, when
/// the profile source that resolves the profiles they name is at hand (<see cref="CompiledSlicing"/>). An
/// <c>extension</c> or <c>modifierExtension</c> sliced without a slicing is sliced by url, open.
/// </summary>
public sealed class SlicingBuilder : ISlicingBuilder
{
    public ISlicing? Build(ElementSchema sliced, JsonElement json)
    {
        if (sliced.Slices.Length == 0) return null;
        var rules = SlicingRules.Open;
        var ordered = false;
        if (json.TryGetProperty("slicing", out var slicing) && slicing.ValueKind == JsonValueKind.Object)
        {
            if (slicing.TryGetProperty("rules", out var r))
                rules = r.GetString() switch
                {
                    "closed" => SlicingRules.Closed,
                    "openAtEnd" => SlicingRules.OpenAtEnd,
                    _ => SlicingRules.Open,
                };
            ordered = slicing.TryGetProperty("ordered", out var o) && o.ValueKind == JsonValueKind.True;
        }
        return new CompiledSlicing(rules, ordered, HasRequired(sliced.Definition));
    }

    private static bool HasRequired(ElementDefinitionInfo sliced) => sliced.Slices.Any(s => s.Min > 0 || HasRequired(s));
}

/// <summary>ElementDefinition.slicing.rules.</summary>
public enum SlicingRules
{
    Open,
    Closed,
    OpenAtEnd,
}
