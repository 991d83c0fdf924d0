using FhirServer.Conformance.Model;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// The codes and filters of ValueSet.compose against the code systems they name (R4 valueset.html §4.9.5): a listed
/// concept must be a code of its system; a filter's value must suit its property — a boolean property takes
/// <c>true</c> or <c>false</c>, a Coding property <c>system(|version)#code</c> with a code of that system, a
/// hierarchy filter on <c>concept</c> a code of the system. For SNOMED CT, present here without its content, what the
/// syntax tells: codes and filter values shaped as concept identifiers (<see cref="SnomedIdentifier"/>), the
/// <c>constraint</c> filter's value ECL (<see cref="SnomedEcl"/>), an attribute filtered with = or in only (SNOMED CT's
/// FHIR implementation guide, "Filters"). Codes of systems absent or present only in part are not judged. Messages
/// are the HL7 validator's.
/// </summary>
public sealed class ValueSetComposeCheck : IResourceCheck
{
    public string? ResourceType => "ValueSet";

    public void Check(ElementNode resource, ValidationState state)
    {
        if (state.Terminology is not { } tx || resource.Child("compose") is not { } compose) return;
        foreach (var part in compose.Children)
        {
            if (part.Name is not ("include" or "exclude") || part.Child("system")?.Value is not { Length: > 0 } system) continue;
            var version = part.Child("version")?.Value;
            foreach (var concept in part.ChildrenNamed("concept"))
                if (concept.Child("code")?.Value is { } code && SystemCodes.IsNotCode(tx, system, code, version))
                    state.Report(IssueSeverity.Error, "code-invalid",
                        $"The code '{code}' is not valid in the system {system} ({Unknown(system, code, version)})", concept);
            foreach (var filter in part.ChildrenNamed("filter"))
                if (filter.Child("property")?.Value is { } property && filter.Child("op")?.Value is { } op && filter.Child("value")?.Value is { } value)
                {
                    if (system == SnomedIdentifier.System) CheckSnomedFilter(filter, property, op, value, state);
                    else CheckFilter(tx, filter, system, version, property, op, value, state);
                }
        }
    }

    private static void CheckSnomedFilter(ElementNode filter, string property, string op, string value, ValidationState state)
    {
        const string system = SnomedIdentifier.System;
        if (property == "concept" && IsHierarchyOperator(op) && !SnomedIdentifier.IsConceptId(value))
            state.Report(IssueSeverity.Error, "code-invalid",
                $"The value for a filter based on property 'concept' must be a valid code from the system '{system}', and '{value}' is not ({Unknown(system, value, null)})", filter);
        else if (property == "constraint" && !SnomedEcl.IsWellFormed(value))
            state.Report(IssueSeverity.Error, "invalid",
                $"The value '{value}' for the filter constraint is invalid: Invalid ECL: '{value}' - parse error", filter);
        else if (SnomedIdentifier.IsConceptId(property) && op is not ("=" or "in"))
            state.Report(IssueSeverity.Error, "invalid",
                $"The operation '{op}' is not allowed for property '{property}' in system '{system}'. Allowed ops: =,in", filter);
    }

    private static void CheckFilter(IValueSetMembership tx, ElementNode filter, string system, string? version, string property, string op, string value,
        ValidationState state)
    {
        if (op is "in" or "not-in" or "regex" or "exists") return;
        if (property is "concept" or "code")
        {
            if (IsHierarchyOperator(op) && tx.IsInCodeSystem(system, value, version) == Membership.NotMember)
                state.Report(IssueSeverity.Error, "code-invalid",
                    $"The value for a filter based on property '{property}' must be a valid code from the system '{system}', and '{value}' is not ({Unknown(system, value, version)})", filter);
            return;
        }
        switch (tx.PropertyType(system, property, version))
        {
            case "boolean" when value is not ("true" or "false"):
                state.Report(IssueSeverity.Error, "invalid",
                    $"The value for a filter based on property '{property}' must be either 'true' or 'false', not '{value}'", filter);
                break;
            case "Coding":
                // system(|version)#code (R4 valueset.html, ValueSet.compose.include.filter.value for Coding properties).
                var hash = value.IndexOf('#');
                if (hash <= 0 || hash == value.Length - 1)
                {
                    state.Report(IssueSeverity.Error, "invalid",
                        $"The value for a filter based on property '{property}' must be in the format system(|version)#code, not '{value}'", filter);
                    break;
                }
                var bar = value.IndexOf('|');
                var (codingSystem, codingVersion) = bar > 0 && bar < hash ? (value[..bar], value[(bar + 1)..hash]) : (value[..hash], null);
                var code = value[(hash + 1)..];
                if (tx.IsInCodeSystem(codingSystem, code, codingVersion) == Membership.NotMember)
                    state.Report(IssueSeverity.Error, "code-invalid",
                        $"The value for a filter based on property '{property}' is '{value}' which is not a valid code (Unknown code '{code}' in the CodeSystem '{codingSystem}' version '{codingVersion ?? "null"}')", filter);
                break;
        }
    }

    // The operators whose value is one code of the system (R4 filter-operator).
    private static bool IsHierarchyOperator(string op) => op is "is-a" or "descendent-of" or "is-not-a" or "generalizes" or "=";

    private static string Unknown(string system, string code, string? version) =>
        $"Unknown code '{code}' in the CodeSystem '{system}'{(version is null ? "" : $" version '{version}'")}";
}
