using FhirServer.Conformance.Search;

namespace FhirServer.Conformance.Tests.Search;

/// <summary>
/// The one list of diagnostics the indexer is expected to report on the example set, each with why. They come
/// from the definitions (a parameter whose expression selects a type its search type cannot hold, a bad
/// expression in a guide) or from an example that tests a limit; none is an indexer fault. Anything else the
/// indexer reports on an example fails <see cref="ExampleIndexingTests"/>, and so does an entry here that no
/// example produces any more.
/// </summary>
public static class KnownIndexDiagnostics
{
    public sealed record Entry(string Url, string MessageContains, string Reason);

    public static readonly IReadOnlyList<Entry> Entries =
    [
        new("http://hl7.org/fhir/SearchParameter/CarePlan-activity-date", "string '",
            "CarePlan.activity.detail.scheduled[x] may be a free-text string ('daily'): no date to index"),
        new("http://hl7.org/fhir/SearchParameter/clinical-date", "string 'January 2012'",
            "Immunization.occurrence[x] may be a free-text string (Immunization-historical)"),
        new("http://hl7.org/fhir/SearchParameter/Consent-source-reference", "Attachment cannot be indexed as reference",
            "R4 Consent.source[x] is Attachment | Identifier | Reference and the expression selects all of them"),
        new("http://hl7.org/fhir/SearchParameter/DocumentReference-relationship", "cannot be indexed as reference",
            "R4 swaps the components of DocumentReference 'relationship': 'code' is declared as the reference " +
            "parameter relatesto and 'target' as the token relation"),
        new("http://hl7.org/fhir/SearchParameter/Group-characteristic-value", "Reference cannot be indexed as token",
            "Group.characteristic.value[x] may be a Reference, and the component Group-value is a token"),
        new("http://hl7.org/fhir/SearchParameter/Observation-combo-value-quantity", "SampledData cannot be indexed as quantity",
            "R4's value-quantity expressions select SampledData, which has no single quantity (Observation-ekg's components)"),
        new("http://hl7.org/fhir/SearchParameter/Observation-component-value-quantity", "SampledData cannot be indexed as quantity",
            "as above"),
        new("http://hl7.org/fhir/SearchParameter/Observation-combo-value-quantity", "value '-1.000000000000000000E+245'",
            "Observation-decimal tests decimal limits: -1E+245 is beyond the range of the index's decimal (±7.9E+28)"),
        new("http://hl7.org/fhir/SearchParameter/Observation-component-value-quantity", "value '-1.000000000000000000E+245'",
            "as above"),
        new("http://hl7.org/fhir/SearchParameter/Observation-combo-code-value-quantity", "value '-1.000000000000000000E+245'",
            "as above"),
        new("http://hl7.org/fhir/SearchParameter/Observation-component-code-value-quantity", "value '-1.000000000000000000E+245'",
            "as above"),
        new("https://interop.esante.gouv.fr/ig/fhir/annuaire/SearchParameter/as-sp-insee-code", "Coding cannot be indexed as string",
            "Annuaire's address-insee is a string parameter over FR Core's INSEE code extension, whose value is a Coding"),
    ];

    public static Entry? Find(IndexDiagnostic diagnostic) =>
        Entries.FirstOrDefault(e => e.Url == diagnostic.Url && diagnostic.Message.Contains(e.MessageContains, StringComparison.Ordinal));
}
