using FhirServer.Conformance.Model;
using FhirServer.Conformance.Search;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Search;

/// <summary>The indexer on hand-written resources: concrete values for every parameter type.</summary>
public class SearchIndexerTests
{
    private static readonly Lazy<SearchIndexer> LazyIndexer = new(() =>
        new SearchIndexer(new SearchParameterRegistry(TestData.Context.Registry), TestData.Context.Registry));

    private const string Ucum = "http://unitsofmeasure.org";

    private static (IReadOnlyList<IndexEntry> Entries, List<IndexDiagnostic> Diagnostics) Index(string json)
    {
        var parsed = TestData.Context.Json.Parse(json);
        Assert.That(parsed.HasErrors, Is.False, string.Join("\n", parsed.Issues));
        var diagnostics = new List<IndexDiagnostic>();
        var entries = LazyIndexer.Value.Extract(parsed.Resource!, diagnostics);
        return (entries, diagnostics);
    }

    private static IndexEntry[] Entries(string json)
    {
        var (entries, diagnostics) = Index(json);
        Assert.That(diagnostics, Is.Empty);
        return [.. entries];
    }

    private static IndexValue[] Values(IEnumerable<IndexEntry> entries, string param) =>
        entries.Where(e => e.Param == param).Select(e => e.Value).ToArray();

    private static long Us(string instant) =>
        (DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture).UtcTicks - DateTime.UnixEpoch.Ticks) / 10;

    private const string Patient = """
        {
          "resourceType": "Patient", "id": "p1",
          "meta": {
            "lastUpdated": "2024-03-05T10:20:30.123+01:00",
            "tag": [{ "system": "http://example.org/tags", "code": "vip" }],
            "profile": ["https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient"]
          },
          "identifier": [
            {
              "type": { "coding": [{ "system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203", "code": "INS-NIR" }], "text": "NIR définitif" },
              "system": "urn:oid:1.2.250.1.213.1.4.8", "value": "284037512345678"
            },
            { "system": "http://hopital.example.org/ipp", "value": "IPP-42" }
          ],
          "active": true,
          "name": [{ "use": "official", "family": "Lefèvre", "given": ["Hélène", "Marie"], "prefix": ["Mme"] }],
          "telecom": [
            { "system": "phone", "value": "+33 6 12 34 56 78", "use": "mobile" },
            { "system": "email", "value": "helene@example.fr" }
          ],
          "gender": "female",
          "birthDate": "1984",
          "address": [{ "line": ["12 rue de l'Église"], "city": "Saint-Étienne", "postalCode": "42000", "country": "France" }],
          "generalPractitioner": [
            { "reference": "Practitioner/123" },
            { "reference": "http://annuaire.example.org/fhir/PractitionerRole/pr-9/_history/2" }
          ],
          "managingOrganization": { "identifier": { "system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1420000001" } },
          "link": [{ "other": { "reference": "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a" }, "type": "seealso" }]
        }
        """;

    [Test]
    public void Strings_are_kept_as_written_and_normalized_name_parts_each_on_their_own()
    {
        var entries = Entries(Patient);
        Assert.That(Values(entries, "name"), Is.EquivalentTo(new IndexValue[]
        {
            new StringIndex("lefevre", "Lefèvre"), new StringIndex("helene", "Hélène"), new StringIndex("marie", "Marie"),
            new StringIndex("mme", "Mme"),
        }));
        Assert.That(Values(entries, "family"), Is.EqualTo(new[] { new StringIndex("lefevre", "Lefèvre") }));
        Assert.That(Values(entries, "given"), Is.EqualTo(new[] { new StringIndex("helene", "Hélène"), new StringIndex("marie", "Marie") }));
        Assert.That(Values(entries, "address"), Is.EquivalentTo(new IndexValue[]
        {
            new StringIndex("12 rue de l'eglise", "12 rue de l'Église"), new StringIndex("saint-etienne", "Saint-Étienne"),
            new StringIndex("42000", "42000"), new StringIndex("france", "France"),
        }));
        Assert.That(Values(entries, "address-city"), Is.EqualTo(new[] { new StringIndex("saint-etienne", "Saint-Étienne") }));
    }

    [Test]
    public void Tokens_of_identifiers_contact_points_codes_and_booleans()
    {
        var entries = Entries(Patient);
        Assert.That(Values(entries, "identifier"), Is.EquivalentTo(new IndexValue[]
        {
            new TokenIndex("urn:oid:1.2.250.1.213.1.4.8", "284037512345678", "nir definitif")
            {
                TypeSystem = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203", TypeCode = "INS-NIR",
            },
            new TokenIndex("http://hopital.example.org/ipp", "IPP-42"),
        }));
        Assert.That(Values(entries, "telecom"), Is.EquivalentTo(new[] { new TokenIndex(null, "+33 6 12 34 56 78"), new TokenIndex(null, "helene@example.fr") }));
        Assert.That(Values(entries, "phone"), Is.EqualTo(new[] { new TokenIndex(null, "+33 6 12 34 56 78") }));
        Assert.That(Values(entries, "email"), Is.EqualTo(new[] { new TokenIndex(null, "helene@example.fr") }));
        Assert.That(Values(entries, "gender"), Is.EqualTo(new[] { new TokenIndex(null, "female") }));
        Assert.That(Values(entries, "active"), Is.EqualTo(new[] { new TokenIndex(null, "true") }));
        // An expression giving a System Boolean: Patient.deceased.exists() and Patient.deceased != false.
        Assert.That(Values(entries, "deceased"), Is.EqualTo(new[] { new TokenIndex(null, "false") }));
        Assert.That(Values(entries, "_id"), Is.EqualTo(new[] { new TokenIndex(null, "p1") }));
        Assert.That(Values(entries, "_tag"), Is.EqualTo(new[] { new TokenIndex("http://example.org/tags", "vip") }));
    }

    [Test]
    public void References_relative_versioned_absolute_urn_and_logical()
    {
        var entries = Entries(Patient);
        Assert.That(Values(entries, "general-practitioner"), Is.EquivalentTo(new[]
        {
            new ReferenceIndex("Practitioner", "123", null),
            // Another server's: its URL (the resource's, the version apart) and no local target.
            new ReferenceIndex(null, null, "http://annuaire.example.org/fhir/PractitionerRole/pr-9", "2"),
        }));
        Assert.That(Values(entries, "link"), Is.EqualTo(new[] { new ReferenceIndex(null, null, "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a") }));
        Assert.That(Values(entries, "organization"), Is.EqualTo(new[]
        {
            new ReferenceIndex(null, null, null) { IdentifierSystem = "urn:oid:1.2.250.1.71.4.2.2", IdentifierValue = "1420000001" },
        }));
    }

    [Test]
    public void Dates_uris_and_the_Resource_parameters()
    {
        var entries = Entries(Patient);
        Assert.That(Values(entries, "birthdate"), Is.EqualTo(new[] { new DateIndex(Us("1984-01-01T00:00:00Z"), Us("1985-01-01T00:00:00Z")) }));
        Assert.That(Values(entries, "_lastUpdated"), Is.EqualTo(new[] { new DateIndex(Us("2024-03-05T09:20:30.123Z"), Us("2024-03-05T09:20:30.124Z")) }));
        Assert.That(Values(entries, "_profile"), Is.EqualTo(new[] { new UriIndex("https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient") }));
        Assert.That(entries.Select(e => e.Type).Distinct(), Is.EquivalentTo(new[]
        {
            SearchParamType.String, SearchParamType.Token, SearchParamType.Reference, SearchParamType.Date, SearchParamType.Uri,
        }));
    }

    private const string Observation = """
        {
          "resourceType": "Observation", "id": "o1",
          "contained": [{ "resourceType": "ServiceRequest", "id": "sr1", "status": "active", "intent": "order", "subject": { "reference": "Patient/p1" } }],
          "basedOn": [{ "reference": "#sr1" }],
          "status": "final",
          "code": {
            "coding": [
              { "system": "http://loinc.org", "code": "2345-7", "display": "Glucose [Mass/volume] in Serum or Plasma" },
              { "system": "http://example.org/local", "code": "GLU" }
            ],
            "text": "Glycémie"
          },
          "subject": { "reference": "Patient/p1" },
          "effectivePeriod": { "start": "2024-03-05T08:00:00+01:00" },
          "performer": [{ "identifier": { "system": "urn:oid:1.2.250.1.71.4.2.1", "value": "810002909371" } }],
          "valueQuantity": { "value": 250, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg" }
        }
        """;

    [Test]
    public void A_CodeableConcept_gives_one_token_per_coding_with_the_display_or_the_text()
    {
        var entries = Entries(Observation);
        Assert.That(Values(entries, "code"), Is.EqualTo(new[]
        {
            new TokenIndex("http://loinc.org", "2345-7", "glucose [mass/volume] in serum or plasma"),
            new TokenIndex("http://example.org/local", "GLU", "glycemie"),
        }));
        var concept = Entries("""{ "resourceType": "Condition", "subject": { "reference": "Patient/p1" }, "code": { "text": "Douleur thoracique" } }""");
        Assert.That(Values(concept, "code"), Is.EqualTo(new[] { new TokenIndex(null, null, "douleur thoracique") }));
        var both = Entries("""
            { "resourceType": "Condition", "subject": { "reference": "Patient/p1" },
              "code": { "coding": [{ "system": "http://snomed.info/sct", "code": "29857009", "display": "Chest pain" }], "text": "Douleur thoracique" } }
            """);
        Assert.That(Values(both, "code"), Is.EqualTo(new[]
        {
            new TokenIndex("http://snomed.info/sct", "29857009", "chest pain"), new TokenIndex(null, null, "douleur thoracique"),
        }));
    }

    [Test]
    public void A_quantity_keeps_its_precision_and_its_canonical_UCUM_form()
    {
        var entries = Entries(Observation);
        Assert.That(Values(entries, "value-quantity"), Is.EqualTo(new[]
        {
            new QuantityIndex(250m, 249.5m, 250.5m, Ucum, "mg", "mg", 0.25m, "g") { CanonicalLow = 0.2495m, CanonicalHigh = 0.2505m },
        }));
    }

    [Test]
    public void A_composite_combines_its_components_values()
    {
        var entries = Entries(Observation);
        var quantity = new QuantityIndex(250m, 249.5m, 250.5m, Ucum, "mg", "mg", 0.25m, "g") { CanonicalLow = 0.2495m, CanonicalHigh = 0.2505m };
        var composites = Values(entries, "code-value-quantity").Cast<CompositeIndex>().Select(c => c.Components.ToArray()).ToArray();
        Assert.That(composites, Is.EqualTo(new[]
        {
            new IndexValue[] { new TokenIndex("http://loinc.org", "2345-7", "glucose [mass/volume] in serum or plasma"), quantity },
            new IndexValue[] { new TokenIndex("http://example.org/local", "GLU", "glycemie"), quantity },
        }));
        Assert.That(entries.Where(e => e.Param == "code-value-quantity"), Has.All.Matches<IndexEntry>(e => e.Type == SearchParamType.Composite));
    }

    [Test]
    public void A_period_with_an_open_end_and_references_contained_or_logical()
    {
        var entries = Entries(Observation);
        Assert.That(Values(entries, "date"), Is.EqualTo(new[] { new DateIndex(Us("2024-03-05T07:00:00Z"), long.MaxValue) }));
        Assert.That(Values(entries, "subject"), Is.EqualTo(new[] { new ReferenceIndex("Patient", "p1", null) }));
        Assert.That(Values(entries, "patient"), Is.EqualTo(new[] { new ReferenceIndex("Patient", "p1", null) }));
        Assert.That(Values(entries, "based-on"), Is.Empty, "a reference to a contained resource is not indexed");
        // The contained resource's own rows are, on the container, under the chain's name (R4 search.html#contained).
        Assert.That(Values(entries, "based-on:ServiceRequest.subject"), Is.EqualTo(new[] { new ReferenceIndex("Patient", "p1", null) }));
        Assert.That(Values(entries, "based-on:ServiceRequest.status"), Is.EqualTo(new[] { new TokenIndex(null, "active") }));
        Assert.That(entries.Where(e => e.Param.StartsWith("based-on:", StringComparison.Ordinal)).Select(e => e.Param),
            Has.None.EqualTo("based-on:ServiceRequest._id").And.None.EqualTo("based-on:ServiceRequest._lastUpdated"));
        Assert.That(Values(entries, "performer"), Is.EqualTo(new[]
        {
            new ReferenceIndex(null, null, null) { IdentifierSystem = "urn:oid:1.2.250.1.71.4.2.1", IdentifierValue = "810002909371" },
        }));
    }

    [Test]
    public void A_contained_resource_that_points_at_another_of_the_same_container_brings_its_rows_two_deep()
    {
        // PDSm: the author a contained PractitionerRole, its practitioner contained beside it; the role's organization
        // contained too, and that one's partof a third contained resource in a row (not followed).
        var entries = Entries("""
            {
              "resourceType": "DocumentReference", "status": "current",
              "contained": [
                { "resourceType": "PractitionerRole", "id": "r", "practitioner": { "reference": "#p" }, "organization": { "reference": "#o" } },
                { "resourceType": "Practitioner", "id": "p", "name": [{ "family": "Leclerc", "given": ["Sophie"] }] },
                { "resourceType": "Organization", "id": "o", "name": "Clinique", "partOf": { "reference": "#g" } },
                { "resourceType": "Organization", "id": "g", "name": "Groupe" }
              ],
              "author": [{ "reference": "#r" }],
              "content": [{ "attachment": { "contentType": "application/pdf" } }]
            }
            """);
        Assert.That(Values(entries, "author:PractitionerRole.practitioner"), Is.Empty, "a reference to a contained resource has no row");
        Assert.That(Values(entries, "author:PractitionerRole.practitioner:Practitioner.family"), Is.EqualTo(new[] { new StringIndex("leclerc", "Leclerc") }));
        Assert.That(Values(entries, "author:PractitionerRole.organization:Organization.name"), Is.EqualTo(new[] { new StringIndex("clinique", "Clinique") }));
        Assert.That(entries.Select(e => e.Param), Has.None.StartsWith("author:PractitionerRole.organization:Organization.partof:"),
            "SearchIndexer.ContainedLinks: two contained resources in a row");
        Assert.That(entries.Select(e => e.Param), Has.None.StartsWith("author:Practitioner."), "the Practitioner is not the author itself");
    }

    [Test]
    public void Contained_resources_that_all_point_at_each_other_bring_each_row_once()
    {
        // Every contained List's items are all the others: paths through them grow as the square of their number, the
        // rows they bring do not (each contained resource extracted once per depth, the rows distinct).
        const int n = 60;
        string Items(int except) => string.Join(",", Enumerable.Range(0, n).Where(i => i != except).Select(i => $$$"""{"item":{"reference":"#l{{{i}}}"}}"""));
        var contained = Enumerable.Range(0, n).Select(i =>
            $$$"""{"resourceType":"List","id":"l{{{i}}}","status":"current","mode":"working","title":"t{{{i}}}","entry":[{{{Items(i)}}}]}""");
        var entries = Entries($$"""
            {"resourceType":"List","status":"current","mode":"working","contained":[{{string.Join(",", contained)}}],"entry":[{{Items(-1)}}]}
            """);
        Assert.That(Values(entries, "item:List.title"), Has.Length.EqualTo(n));
        Assert.That(Values(entries, "item:List.item:List.title"), Has.Length.EqualTo(n));
        Assert.That(entries, Is.Unique);
        Assert.That(entries, Has.Length.LessThan(10 * n));
    }

    [Test]
    public void Where_resolve_is_Patient_answers_by_the_type_of_the_reference()
    {
        var group = Entries("""{ "resourceType": "Observation", "status": "final", "code": { "text": "x" }, "subject": { "reference": "Group/g1" } }""");
        Assert.That(Values(group, "subject"), Is.EqualTo(new[] { new ReferenceIndex("Group", "g1", null) }));
        Assert.That(Values(group, "patient"), Is.Empty);

        var absolute = Entries("""{ "resourceType": "Observation", "status": "final", "code": { "text": "x" }, "subject": { "reference": "https://other.example.org/fhir/Patient/77" } }""");
        Assert.That(Values(absolute, "patient"), Is.EqualTo(new[] { new ReferenceIndex(null, null, "https://other.example.org/fhir/Patient/77") }));

        var unknown = Entries("""{ "resourceType": "Observation", "status": "final", "code": { "text": "x" }, "subject": { "reference": "urn:uuid:5d7f1a56-3c8e-4a5b-9d8e-2f0c1b6a7e90" } }""");
        Assert.That(Values(unknown, "subject"), Is.EqualTo(new[] { new ReferenceIndex(null, null, "urn:uuid:5d7f1a56-3c8e-4a5b-9d8e-2f0c1b6a7e90") }));
        Assert.That(Values(unknown, "patient"), Is.Empty, "the type behind a urn:uuid is unknown");
    }

    [Test]
    public void An_absolute_reference_is_local_on_this_servers_base_only()
    {
        var parsed = TestData.Context.Json.Parse("""
            { "resourceType": "Observation", "status": "final", "code": { "text": "x" }, "subject": { "reference": "HTTPS://Fhir.Example.org:443/r4/Patient/77/_history/3" },
              "performer": [{ "reference": "https://fhir.example.org/r4b/Practitioner/5" }, { "reference": "https://fhir.example.org/Practitioner/6" },
                            { "reference": "urn:oid:1.2.250.1.71.4.2.1" }] }
            """).Resource!;
        var entries = LazyIndexer.Value.Extract(parsed, new ServerBases(["https://fhir.example.org/r4/"]));
        Assert.That(Values(entries, "subject"), Is.EqualTo(new[] { new ReferenceIndex("Patient", "77", "HTTPS://Fhir.Example.org:443/r4/Patient/77", "3") }));
        Assert.That(Values(entries, "performer"), Is.EqualTo(new[]
        {
            new ReferenceIndex(null, null, "https://fhir.example.org/r4b/Practitioner/5"),
            new ReferenceIndex(null, null, "https://fhir.example.org/Practitioner/6"),
            new ReferenceIndex(null, null, "urn:oid:1.2.250.1.71.4.2.1"),
        }));
    }

    [Test]
    public void Server_bases_name_what_an_absolute_url_is_on_them()
    {
        var bases = new ServerBases(["http://localhost:8080"]).With("https://fhir.example.org/r4/");
        Assert.That(bases.LocalPart("http://LOCALHOST:8080/Patient/1"), Is.EqualTo("Patient/1"));
        Assert.That(bases.LocalPart("https://fhir.example.org:443/r4/Patient/1/_history/2"), Is.EqualTo("Patient/1/_history/2"));
        Assert.That(bases.LocalPart("http://localhost:8081/Patient/1"), Is.Null);
        Assert.That(bases.LocalPart("https://fhir.example.org/Patient/1"), Is.Null);
        Assert.That(bases.LocalPart("https://fhir.example.org/R4/Patient/1"), Is.Null, "a path is compared exactly");
        Assert.That(bases.LocalPart("Patient/1"), Is.Null);
        Assert.That(ServerBases.None.IsLocal("http://localhost:8080"), Is.False);
    }

    [Test]
    public void Canonical_references_keep_their_version_and_uris_are_indexed_as_written()
    {
        var response = Entries("""{ "resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": "http://example.org/Questionnaire/phq9|2.0" }""");
        Assert.That(Values(response, "questionnaire"), Is.EqualTo(new[] { new ReferenceIndex(null, null, "http://example.org/Questionnaire/phq9", "2.0") }));
        var valueSet = Entries("""{ "resourceType": "ValueSet", "status": "active", "url": "https://mos.esante.gouv.fr/NOS/JDV_J01-XdsAuthorSpecialty-CISIS/FHIR/JDV-J01" }""");
        Assert.That(Values(valueSet, "url"), Is.EqualTo(new[] { new UriIndex("https://mos.esante.gouv.fr/NOS/JDV_J01-XdsAuthorSpecialty-CISIS/FHIR/JDV-J01") }));
    }

    [Test]
    public void A_Bundle_document_references_its_first_entry()
    {
        var bundle = Entries("""
            { "resourceType": "Bundle", "type": "document", "entry": [
              { "fullUrl": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0",
                "resource": { "resourceType": "Composition", "id": "c1", "status": "final", "type": { "text": "CR" }, "date": "2024-03-05", "author": [{ "display": "Dr X" }], "title": "CR" } } ] }
            """);
        Assert.That(Values(bundle, "composition"), Is.EqualTo(new[] { new ReferenceIndex("Composition", "c1", "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0") }));
    }

    [Test]
    public void A_Timing_spans_its_events_and_bounds()
    {
        var carePlan = Entries("""
            { "resourceType": "CarePlan", "status": "active", "intent": "plan", "subject": { "reference": "Patient/p1" },
              "activity": [{ "detail": { "status": "scheduled",
                "scheduledTiming": { "event": ["2024-03-10T09:00:00Z", "2024-03-12"], "repeat": { "boundsPeriod": { "start": "2024-03-01", "end": "2024-03-31" } } } } }] }
            """);
        Assert.That(Values(carePlan, "activity-date"), Is.EqualTo(new[] { new DateIndex(Us("2024-03-01T00:00:00Z"), Us("2024-04-01T00:00:00Z")) }));
        var events = Entries("""
            { "resourceType": "CarePlan", "status": "active", "intent": "plan", "subject": { "reference": "Patient/p1" },
              "activity": [{ "detail": { "status": "scheduled", "scheduledTiming": { "event": ["2024-03-12", "2024-03-10T09:00:00+01:00"] } } }] }
            """);
        Assert.That(Values(events, "activity-date"), Is.EqualTo(new[] { new DateIndex(Us("2024-03-10T08:00:00Z"), Us("2024-03-13T00:00:00Z")) }));
    }

    [Test]
    public void A_Period_open_at_the_start()
    {
        var encounter = Entries("""{ "resourceType": "Encounter", "status": "finished", "class": { "code": "AMB" }, "period": { "end": "2024-03" } }""");
        Assert.That(Values(encounter, "date"), Is.EqualTo(new[] { new DateIndex(long.MinValue, Us("2024-04-01T00:00:00Z")) }));
    }

    [Test]
    public void Numbers_money_and_ranges()
    {
        var risk = Entries("""
            { "resourceType": "RiskAssessment", "status": "final", "subject": { "reference": "Patient/p1" },
              "prediction": [{ "probabilityDecimal": 0.25 }, { "probabilityRange": { "low": { "value": 10 }, "high": { "value": 20 } } }] }
            """);
        Assert.That(Values(risk, "probability"), Is.EqualTo(new[] { new NumberIndex(0.25m, 0.245m, 0.255m), new NumberIndex(10m, 9.5m, 20.5m) }));

        var invoice = Entries("""{ "resourceType": "Invoice", "status": "issued", "totalNet": { "value": 1250.50, "currency": "EUR" } }""");
        Assert.That(Values(invoice, "totalnet"), Is.EqualTo(new[] { new QuantityIndex(1250.50m, 1250.495m, 1250.505m, "urn:iso:std:iso:4217", "EUR", null) }));

        var plan = Entries("""
            { "resourceType": "PlanDefinition", "status": "active",
              "useContext": [{ "code": { "system": "http://terminology.hl7.org/CodeSystem/usage-context-type", "code": "age" },
                               "valueRange": { "low": { "value": 18, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a" } } }] }
            """);
        var age = new QuantityIndex(18m, 17.5m, decimal.MaxValue, Ucum, "a", "a", 18m * 31557600m, "s")
        {
            CanonicalLow = 17.5m * 31557600m, CanonicalHigh = decimal.MaxValue,
        };
        Assert.That(Values(plan, "context-quantity"), Is.EqualTo(new[] { age }));
        var composite = (CompositeIndex)Values(plan, "context-type-quantity").Single();
        Assert.That(composite.Components, Is.EqualTo(new IndexValue[] { new TokenIndex("http://terminology.hl7.org/CodeSystem/usage-context-type", "age"), age }));
    }

    [Test]
    public void An_extension_selected_by_url_is_indexed_by_its_value()
    {
        var document = Entries("""
            { "resourceType": "DocumentReference", "status": "current", "content": [{ "attachment": { "contentType": "application/pdf" } }],
              "extension": [{ "url": "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-ext-is-archived", "valueBoolean": true }],
              "context": { "period": { "start": "2024-01-15" } } }
            """);
        Assert.That(Values(document, "isArchived"), Is.EqualTo(new[] { new TokenIndex(null, "true") }));
        Assert.That(Values(document, "period-start"), Is.EqualTo(new[] { new DateIndex(Us("2024-01-15T00:00:00Z"), Us("2024-01-16T00:00:00Z")) }));
    }

    [Test]
    public void A_failing_parameter_is_reported_and_the_others_are_still_indexed()
    {
        // R4 Consent's source-reference selects source[x], which may be an Attachment: no reference to index.
        var (entries, diagnostics) = Index("""
            { "resourceType": "Consent", "status": "active", "scope": { "text": "x" }, "category": [{ "text": "y" }],
              "sourceAttachment": { "title": "signed" } }
            """);
        Assert.That(diagnostics, Has.Count.EqualTo(1));
        Assert.That(diagnostics[0].Param, Is.EqualTo("source-reference"));
        Assert.That(diagnostics[0].Message, Does.Contain("Attachment cannot be indexed as reference"));
        Assert.That(Values(entries, "status"), Is.EqualTo(new[] { new TokenIndex(null, "active") }));
    }

    [Test]
    public void A_value_the_parameter_type_cannot_hold_is_reported()
    {
        var (entries, diagnostics) = Index("""
            { "resourceType": "CarePlan", "status": "active", "intent": "plan", "subject": { "reference": "Patient/p1" },
              "activity": [{ "detail": { "status": "scheduled", "scheduledString": "tous les matins" } }] }
            """);
        Assert.That(diagnostics.Select(d => d.ToString()), Is.EqualTo(new[]
        {
            "activity-date (http://hl7.org/fhir/SearchParameter/CarePlan-activity-date): string 'tous les matins' cannot be indexed as date",
        }));
        Assert.That(Values(entries, "subject"), Is.Not.Empty);
    }

    [Test]
    public void Only_resources_are_indexed()
    {
        var name = new ElementNode("name", "HumanName", null);
        Assert.That(() => LazyIndexer.Value.Extract(name), Throws.ArgumentException);
    }

    [Test]
    public void A_phonetic_value_of_a_word_repeated_many_times_gives_one_value_per_distinct_word()
    {
        // A family name of a short word and an emoji repeated (a hostile write): one phonetic value per distinct word,
        // not per occurrence — each value carries the whole name, hashed whole to drop the repeats, and 333,333 of
        // them took minutes to index.
        var family = string.Concat(Enumerable.Repeat("é😀", 5_000)) + " Martin";
        var values = new List<IndexValue> { new StringIndex(family, family) };
        SearchIndexer.Phonetic(values);
        Assert.That(values.Cast<StringIndex>().Select(v => v.Normalized).Skip(1), Is.EqualTo(new[] { PhoneticKey.Of("é"), PhoneticKey.Of("Martin") }));

        var entries = Entries($$"""{ "resourceType": "Patient", "id": "p1", "name": [{ "family": "{{family}}" }] }""");
        Assert.That(Values(entries, "phonetic").Cast<StringIndex>().Select(v => v.Normalized).Skip(1),
            Is.EquivalentTo(new[] { PhoneticKey.Of("é"), PhoneticKey.Of("Martin") }), "the same rows as before");
    }
}
