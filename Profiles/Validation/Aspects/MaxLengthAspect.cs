using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// ElementDefinition.maxLength (R4 elementdefinition-definitions.html#ElementDefinition.maxLength): "the maximum length
/// in characters" of a primitive's value, counted in Unicode characters (a character outside the BMP is one, not the
/// two UTF-16 units .NET holds it in).
/// </summary>
public sealed class MaxLengthAspect : IAspectBuilder
{
    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        if (json.TryGetProperty("maxLength", out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var max) && max > 0)
            checks.Add(new MaxLengthCheck(max));
    }

    private sealed class MaxLengthCheck(int max) : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            // UTF-16 units bound characters from above: only a longer value needs counting.
            if (node.Value is not { } value || value.Length <= max) return;
            var length = 0;
            foreach (var _ in value.EnumerateRunes()) length++;
            if (length > max)
                state.Report(IssueSeverity.Error, "too-long", $"value is longer than permitted maximum length of {max}", node);
        }
    }
}
