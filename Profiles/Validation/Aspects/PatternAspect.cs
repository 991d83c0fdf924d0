using System.Text.Json;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// ElementDefinition.pattern[x] (R4 elementdefinition-definitions.html#ElementDefinition.pattern_x_): "the instance
/// SHALL contain" the pattern's values: each element the pattern has, with the same value; elements the pattern does
/// not mention are free; for repeating elements each item of the pattern is matched by an item of the instance.
/// </summary>
public sealed class PatternAspect : IAspectBuilder
{
    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        if (ValueTree.FromElement(json, "pattern", out _) is { } value)
            checks.Add(new ValueTreeCheck(value, exact: false, ValueMatcher.SourceOf(element)));
    }
}
