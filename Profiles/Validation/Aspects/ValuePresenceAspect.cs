using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// R5's ElementDefinition.mustHaveValue and valueAlternatives, carried in R4 by their cross-version extensions
/// (R5 elementdefinition-definitions.html#ElementDefinition.mustHaveValue): a primitive element must have a value
/// rather than only extensions such as data-absent-reason; or, when it has none, one of the extensions listed as the
/// alternatives must say why.
/// </summary>
public sealed class ValuePresenceAspect : IAspectBuilder
{
    private const string MustHaveValue = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.mustHaveValue";
    private const string ValueAlternatives = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.valueAlternatives";

    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        var mustHaveValue = DefinitionExtensions.Values(json, MustHaveValue, "valueBoolean").Any(v => v.ValueKind == JsonValueKind.True);
        List<string>? alternatives = null;
        foreach (var v in DefinitionExtensions.Values(json, ValueAlternatives, "valueCanonical"))
            if (v.ValueKind == JsonValueKind.String)
                (alternatives ??= []).Add(v.GetString()!);
        if (mustHaveValue || alternatives is not null)
            checks.Add(new ValuePresenceCheck($"The element definition ``{element.Path}`` in the profile '{element.Profile.Url}'", mustHaveValue, alternatives?.ToArray()));
    }

    private sealed class ValuePresenceCheck(string definition, bool mustHaveValue, string[]? alternatives) : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            // Only primitives hold a value; complex elements are left to their children's rules.
            if (node.Value is not null || node.Type is not { Length: > 0 } type || !char.IsAsciiLetterLower(type[0])) return;
            if (mustHaveValue)
                state.Report(IssueSeverity.Error, "invalid", $"{definition} requires that a value be present in this element", node);
            else if (alternatives is not null && !HasAlternative(node, alternatives))
                state.Report(IssueSeverity.Error, "invalid",
                    $"{definition} requires that if a value is not present, one of the extensions '{string.Join("', '", alternatives)}' must be present", node);
        }

        private static bool HasAlternative(ElementNode node, string[] alternatives)
        {
            foreach (var child in node.Children)
                if (child.Name == "extension" && child.Child("url")?.Value is { } url && Array.IndexOf(alternatives, url) >= 0)
                    return true;
            return false;
        }
    }
}
