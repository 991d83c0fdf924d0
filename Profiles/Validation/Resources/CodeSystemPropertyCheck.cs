using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// CodeSystem.property and the concepts' property values (R4 codesystem.html §4.8.4 "Concept Properties"): each
/// property is defined once by code and once by uri; a uri of the HL7 concept-properties code system names a property
/// of a known type, normally under its own code; a concept's value has the type its property declares.
/// </summary>
public sealed class CodeSystemPropertyCheck : IResourceCheck
{
    private const string Standard = "http://hl7.org/fhir/concept-properties#";

    // The properties of http://hl7.org/fhir/concept-properties (terminology.hl7.org CodeSystem-concept-properties).
    private static readonly Dictionary<string, string> StandardTypes = new(StringComparer.Ordinal)
    {
        ["status"] = "code", ["inactive"] = "boolean", ["effectiveDate"] = "dateTime", ["deprecationDate"] = "dateTime",
        ["retirementDate"] = "dateTime", ["notSelectable"] = "boolean", ["parent"] = "code", ["child"] = "code",
        ["partOf"] = "code", ["synonym"] = "code", ["comment"] = "string", ["itemWeight"] = "decimal",
    };

    public string? ResourceType => "CodeSystem";

    public void Check(ElementNode resource, ValidationState state)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var uris = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in resource.ChildrenNamed("property"))
        {
            var code = property.Child("code")?.Value;
            var uri = property.Child("uri")?.Value;
            var type = property.Child("type")?.Value;
            if (uri is not null && uri.StartsWith(Standard, StringComparison.Ordinal)
                && StandardTypes.TryGetValue(uri[Standard.Length..], out var standardType))
            {
                var standardCode = uri[Standard.Length..];
                if (type is not null && type != standardType)
                    state.Report(IssueSeverity.Error, "business-rule",
                        $"Wrong type '{type}': The URI '{uri}' identifies a property that has the type '{standardType}'", property);
                if (code is not null && code != standardCode && StandardTypes.ContainsKey(code))
                    state.Report(IssueSeverity.Error, "business-rule",
                        $"The URI '{uri}' is normally assigned the code '{standardCode}'. Using the code '{code}' will usually create confusion in ValueSet filters etc", property);
            }
            if (code is not null && type is not null && !types.TryAdd(code, type))
                state.Report(IssueSeverity.Error, "business-rule", $"A property is already defined with the code '{code}'", property);
            else if (uri is not null && !uris.Add(uri))
                state.Report(IssueSeverity.Error, "business-rule", $"A property is already defined with the URI '{uri}'", property);
        }
        if (types.Count > 0) CheckValues(resource, types, state);
    }

    private static void CheckValues(ElementNode parent, Dictionary<string, string> types, ValidationState state)
    {
        foreach (var concept in parent.ChildrenNamed("concept"))
        {
            foreach (var value in concept.ChildrenNamed("property"))
                if (value.Child("code")?.Value is { } code && types.TryGetValue(code, out var type)
                    && value.Child("value") is { } v && v.Type != type)
                    state.Report(IssueSeverity.Error, "business-rule",
                        $"The property '{code}' has the invalid type '{v.Type}', when it is defined to have the type '{type}'", value);
            CheckValues(concept, types, state);
        }
    }
}
