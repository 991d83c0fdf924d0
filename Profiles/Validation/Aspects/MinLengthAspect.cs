using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// The minLength extension on an ElementDefinition (http://hl7.org/fhir/StructureDefinition/minLength, R4
/// extension-minlength.html): "the minimum number of characters that must be present in the simple data type",
/// counted in Unicode characters like maxLength.
/// </summary>
public sealed class MinLengthAspect : IAspectBuilder
{
    private const string Url = "http://hl7.org/fhir/StructureDefinition/minLength";

    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        foreach (var v in DefinitionExtensions.Values(json, Url, "valueInteger"))
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var min) || min <= 0) continue;
            checks.Add(new MinLengthCheck(min));
            return;
        }
    }

    private sealed class MinLengthCheck(int min) : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            // UTF-16 units bound characters from above: a value with enough units may still be short in characters.
            if (node.Value is not { } value) return;
            var length = 0;
            foreach (var _ in value.EnumerateRunes())
                if (++length >= min) return;
            state.Report(IssueSeverity.Error, "invalid", $"Value '{value}' is shorter than permitted minimum length of {min}", node);
        }
    }
}
