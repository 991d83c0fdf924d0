using System.Text.Json;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// ElementDefinition.binding (R4 terminologies.html#strength) on the types that carry codes: <c>code</c>, Coding,
/// CodeableConcept, Quantity (its system and code) and <c>string</c> / <c>uri</c> (the value as a code). Required:
/// an error when the code is not in the value set; extensible: a warning when a CodeableConcept has no coding from it
/// (text alone is allowed: "if no code in the value set is suitable, alternate codes or text only may be provided"),
/// and an error when the codes are outside the binding's maximum value set (R4 extension
/// <c>elementdefinition-maxValueSet</c>); preferred and example bind nothing. Membership comes from
/// <see cref="ValidationState.Terminology"/>; a value set or code system that is not known here gives a warning, never
/// an error. Additional bindings (R5 binding.additional, as an extension in R4) of purpose required or extensible are
/// checked as further bindings. Without terminology, bindings are not checked.
/// </summary>
public sealed class BindingAspect : IAspectBuilder
{
    private const string MaxValueSetExtension = "http://hl7.org/fhir/StructureDefinition/elementdefinition-maxValueSet";
    private const string AdditionalBindingExtension = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.binding.additional";
    private const string ToolsAdditionalBindingExtension = "http://hl7.org/fhir/tools/StructureDefinition/additional-binding";
    private const string VitalSignsUnits = "http://hl7.org/fhir/ValueSet/ucum-vitals-common";

    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        if (!json.TryGetProperty("binding", out var binding) || binding.ValueKind != JsonValueKind.Object) return;
        if (!element.Types.Any(t => IsBindable(t.Code))) return;
        var strength = Str(binding, "strength") switch
        {
            "required" => BindingStrength.Required,
            "extensible" => BindingStrength.Extensible,
            _ => BindingStrength.Other,
        };
        var valueSet = Str(binding, "valueSet");
        if (strength != BindingStrength.Other && valueSet is not null)
        {
            // R4's vital signs profiles bind Observation.component.value[x], every type of the choice, to a value set of
            // units as required: a CodeableConcept value, or a component measured in other units (FiO2 in L/min), could
            // never meet it. The HL7 validator reads it as extensible (a warning), and so does this one.
            if (strength == BindingStrength.Required && valueSet.StartsWith(VitalSignsUnits, StringComparison.Ordinal)) strength = BindingStrength.Extensible;
            // R4 allows a maxValueSet on preferred bindings too; as the HL7 validator, only an extensible binding's is
            // enforced (a preferred binding says what is preferred, not what is allowed: R4 Practitioner.communication's
            // all-languages would refuse every national language code system).
            var max = strength == BindingStrength.Extensible ? MaxValueSet(binding) : null;
            checks.Add(new BindingCheck(strength, valueSet, max));
        }
        AddAdditionalBindings(binding, checks);
    }

    // R5 ElementDefinition.binding.additional, in R4 as its cross-version extension (or the tools extension before it):
    // a binding of purpose required or extensible applies as one of those strengths does, on top of the main binding.
    // One limited by a usage context applies in that context only, which an instance alone does not tell: skipped.
    private static void AddAdditionalBindings(JsonElement binding, List<IElementCheck> checks)
    {
        if (!binding.TryGetProperty("extension", out var extensions) || extensions.ValueKind != JsonValueKind.Array) return;
        foreach (var e in extensions.EnumerateArray())
        {
            if (Str(e, "url") is not (AdditionalBindingExtension or ToolsAdditionalBindingExtension)
                || !e.TryGetProperty("extension", out var parts) || parts.ValueKind != JsonValueKind.Array) continue;
            string? purpose = null, valueSet = null;
            var hasUsage = false;
            foreach (var part in parts.EnumerateArray())
                switch (Str(part, "url"))
                {
                    case "purpose": purpose = Str(part, "valueCode"); break;
                    case "valueSet": valueSet = Str(part, "valueCanonical") ?? Str(part, "valueUri"); break;
                    case "usage": hasUsage = true; break;
                }
            var strength = purpose switch { "required" => BindingStrength.Required, "extensible" => BindingStrength.Extensible, _ => BindingStrength.Other };
            if (strength != BindingStrength.Other && valueSet is not null && !hasUsage)
                checks.Add(new BindingCheck(strength, valueSet, null) { Additional = true });
        }
    }

    /// <summary>The types whose values a binding constrains (R4 terminologies.html#binding: code, Coding, CodeableConcept, Quantity, string, uri).</summary>
    internal static bool IsBindable(string type) => type is "code" or "Coding" or "CodeableConcept" or "string" or "uri" || IsQuantity(type);

    internal static bool IsQuantity(string type) => type is "Quantity" or "Age" or "Distance" or "Duration" or "Count" or "SimpleQuantity" or "MoneyQuantity";

    private static string? MaxValueSet(JsonElement binding)
    {
        if (!binding.TryGetProperty("extension", out var extensions) || extensions.ValueKind != JsonValueKind.Array) return null;
        foreach (var e in extensions.EnumerateArray())
            if (Str(e, "url") == MaxValueSetExtension)
                return Str(e, "valueCanonical") ?? Str(e, "valueUri");
        return null;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>R4 binding strengths, as far as a validator acts on them (preferred and example: nothing but a maximum value set).</summary>
internal enum BindingStrength { Required, Extensible, Other }
