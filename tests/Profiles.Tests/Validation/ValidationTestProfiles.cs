using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation;
using FhirServer.Profiles.Tests.Support;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>Small inline profiles for the validator's tests: a differential over a base type, added to a fresh validator.</summary>
internal static class ValidationTestProfiles
{
    public const string Base = "http://example.org/fhir/StructureDefinition/";

    /// <summary>A validator with one profile <c>{Base}{name}</c> constraining <paramref name="type"/> by <paramref name="elements"/> (differential elements as JSON).</summary>
    public static ResourceValidator WithProfile(string name, string type, params string[] elements)
    {
        var validator = ProfilesTestData.NewValidator();
        var kind = ProfilesTestData.Context.Registry.IsResourceType(type) ? "resource" : "complex-type";
        var json = $$"""
            {"resourceType":"StructureDefinition","url":"{{Base}}{{name}}","version":"1.0.0","name":"{{name}}","status":"draft",
             "kind":"{{kind}}","abstract":false,"type":"{{type}}","baseDefinition":"http://hl7.org/fhir/StructureDefinition/{{type}}",
             "derivation":"constraint","differential":{"element":[{"id":"{{type}}","path":"{{type}}"},
            """ + string.Join(",", elements) + "]}}";
        using var doc = JsonDocument.Parse(json);
        var issues = validator.Profiles.Add(doc.RootElement);
        Assert.That(issues, Is.Empty, string.Join("; ", issues.Select(i => i.Message)));
        return validator;
    }

    /// <summary>Validates <paramref name="json"/> against the profile; the errors and warnings as "expression: message".</summary>
    public static List<string> Validate(ResourceValidator validator, string json, string? profile = null, IssueSeverity severity = IssueSeverity.Error)
    {
        var resource = ProfilesTestData.Parse(json);
        var report = validator.Validate(resource, profile is null ? null : [Base + profile]);
        return report.Issues.Where(i => i.Severity == severity).Select(i => $"{i.Expression}: {i.Message}").ToList();
    }
}
