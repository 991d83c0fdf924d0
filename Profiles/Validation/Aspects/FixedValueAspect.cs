using System.Text.Json;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// ElementDefinition.fixed[x] (R4 elementdefinition-definitions.html#ElementDefinition.fixed_x_): "the value for this
/// element SHALL be exactly" the fixed value; "missing elements/attributes must also be missing". The value is read
/// once into a <see cref="ValueTree"/>; each node is compared with it (<see cref="ValueMatcher"/>).
/// </summary>
public sealed class FixedValueAspect : IAspectBuilder
{
    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        if (ValueTree.FromElement(json, "fixed", out _) is { } value)
            checks.Add(new ValueTreeCheck(value, exact: true, ValueMatcher.SourceOf(element)));
    }
}
