using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// ValueSet.compose.include/exclude.system names a code system by its canonical url, which is absolute (R4
/// valueset.html §4.9.5: a contained code system is named by its url, the valueset-system extension pointing at it).
/// A filter value given by a cqf-expression is FHIRPath naming one of the value set's parameters (the tools
/// extension valueset-parameter: "%name" stands for the parameter's value at expansion).
/// </summary>
public sealed class ValueSetCheck : IResourceCheck
{
    private const string ExpressionExtension = "http://hl7.org/fhir/StructureDefinition/cqf-expression";
    private const string ParameterExtension = "http://hl7.org/fhir/tools/StructureDefinition/valueset-parameter";

    public string? ResourceType => "ValueSet";

    public void Check(ElementNode resource, ValidationState state)
    {
        if (resource.Child("compose") is not { } compose) return;
        foreach (var part in compose.Children)
        {
            if (part.Name is not ("include" or "exclude")) continue;
            if (part.Child("system") is { Value: { Length: > 0 } system } && !ResourceChecks.IsAbsolute(system))
                state.Report(IssueSeverity.Error, "invalid",
                    $"URI values in ValueSet.compose.{part.Name}.system must be absolute. To reference a contained code system, use the full CodeSystem URL and reference it using the http://hl7.org/fhir/StructureDefinition/valueset-system extension", part);
            foreach (var filter in part.ChildrenNamed("filter"))
                if (filter.Child("value") is { } value) CheckExpressions(resource, value, state);
        }
    }

    private static void CheckExpressions(ElementNode resource, ElementNode value, ValidationState state)
    {
        foreach (var extension in value.ChildrenNamed("extension"))
        {
            if (extension.Child("url")?.Value != ExpressionExtension || extension.Child("value") is not { Type: "Expression" } expression) continue;
            var language = expression.Child("language")?.Value;
            if (language != "text/fhirpath")
                state.Report(IssueSeverity.Error, "invalid", $"A ValueSet expression language must be 'text/fhirpath' not '{language}'", expression);
            else if (expression.Child("expression")?.Value is ['%', .. var name] && !IsParameter(resource, name))
                state.Report(IssueSeverity.Error, "invalid",
                    $"The filter parameter expression '%{name}' refers to the unknown parameter '{name}'", expression);
        }
    }

    private static bool IsParameter(ElementNode resource, string name) =>
        resource.ChildrenNamed("extension").Any(e => e.Child("url")?.Value == ParameterExtension
            && e.ChildrenNamed("extension").Any(p => p.Child("url")?.Value == "name" && p.Child("value")?.Value == name));
}
