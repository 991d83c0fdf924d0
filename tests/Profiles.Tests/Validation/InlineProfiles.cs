using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>Small profiles written inline (a differential over a base), and reports asserted on by message and location.</summary>
internal static class InlineProfiles
{
    public const string Base = "http://example.org/fhir/StructureDefinition/";

    /// <summary>A constraint on <paramref name="type"/> named <c>Base + name</c>, its differential's elements given as JSON objects.</summary>
    public static string Profile(string name, string type, params string[] elements) => $$$"""
        {"resourceType":"StructureDefinition","url":"{{{Base}}}{{{name}}}","name":"{{{name.Replace("-", "")}}}","status":"active",
         "kind":"resource","abstract":false,"type":"{{{type}}}","derivation":"constraint",
         "baseDefinition":"http://hl7.org/fhir/StructureDefinition/{{{type}}}",
         "differential":{"element":[{{{string.Join(",", elements)}}}]}}
        """;

    /// <summary>A validator over the default packages with <paramref name="profiles"/> added (each must be accepted).</summary>
    public static ResourceValidator Validator(ValidatorOptions? options = null, params string[] profiles)
    {
        var validator = ResourceValidator.Create(ProfilesTestData.Context.Registry, options: options);
        foreach (var p in profiles)
        {
            using var doc = JsonDocument.Parse(p);
            Assert.That(validator.Profiles.Add(doc.RootElement), Is.Empty, "the profile is accepted");
        }
        return validator;
    }

    public static ValidationReport Validate(this ResourceValidator validator, string json, Func<string, ElementNode?>? resolver = null) =>
        validator.Validate(ProfilesTestData.Parse(json), resolver: resolver);

    public static IEnumerable<OutcomeIssue> Errors(this ValidationReport report) => report.Issues.Where(i => i.IsError);

    public static string Describe(this ValidationReport report) => string.Join("\n", report.Issues);
}
