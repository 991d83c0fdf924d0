using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>
/// e-prescription and dispensation end to end (docs/french-flows.md, "e-prescription and dispensation"), on each store:
/// the guide's profiles checked on write, the searches of a prescriber and a pharmacist, and the status a dispensation
/// gives its prescription, on REST and in transactions, all or nothing, with two dispensations at once.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class EPrescriptionTests(string store) : ServerTests(store)
{
    private const string MedicationRequestProfile = "https://interop.esante.gouv.fr/ig/fhir/eprescription/StructureDefinition/fr-medicationrequest";
    private const string NonCompoundProfile = "https://interop.esante.gouv.fr/ig/fhir/eprescription/StructureDefinition/fr-medication-noncompound";
    private const string InsTest = "urn:oid:1.2.250.1.213.1.4.10";
    private const string Nir = "279069912345673";
    private const string IdNatPs = "urn:oid:1.2.250.1.71.4.2.1";
    private const string PrescriberId = "810002345675";
    private const string Group = "urn:oid:1.2.250.1.999.2";

    private FrenchFlowClient Fhir => new(Client);

    protected override async Task Seed()
    {
        await Fhir.Put($$$"""{"resourceType":"Patient","id":"rx-pat","identifier":[{"system":"{{{InsTest}}}","value":"{{{Nir}}}"}],"name":[{"family":"Lefèvre","given":["Hélène"]}],"gender":"female","birthDate":"1979-06-12"}""");
        await Fhir.Put("""{"resourceType":"Patient","id":"rx-other","name":[{"family":"Martin"}]}""");
        await Fhir.Put($$$"""{"resourceType":"Practitioner","id":"rx-dr","identifier":[{"system":"{{{IdNatPs}}}","value":"{{{PrescriberId}}}"}],"name":[{"family":"Dupont"}]}""");
        await Fhir.Put(Medication("rx-paracetamol"));
    }

    private static string Medication(string id, string code = """{"coding":[{"system":"http://data.esante.gouv.fr/ansm/medicament/UCD","code":"9000001","display":"PARACETAMOL 500MG CPR"}]}""") =>
        $$$"""{"resourceType":"Medication","id":"{{{id}}}","meta":{"profile":["{{{NonCompoundProfile}}}"]},"code":{{{code}}} }""";

    /// <summary>A prescription line of the guide's profile; <paramref name="quantity"/> null for none.</summary>
    private static string Prescription(string group, string status = "active", int? quantity = 2, int repeats = 0, string patient = "rx-pat", string more = "")
    {
        var dispense = quantity is { } q
            ? $$$""","dispenseRequest":{"numberOfRepeatsAllowed":{{{repeats}}},"quantity":{"value":{{{q}}},"unit":"boîte","system":"http://standardterms.edqm.eu","code":"30007000"}}"""
            : $$$""","dispenseRequest":{"numberOfRepeatsAllowed":{{{repeats}}} }""";
        return $$$"""
            {"resourceType":"MedicationRequest","meta":{"profile":["{{{MedicationRequestProfile}}}"]},
             "groupIdentifier":{"system":"{{{Group}}}","value":"{{{group}}}"},"status":"{{{status}}}","intent":"order",
             "medicationReference":{"reference":"Medication/rx-paracetamol"},"subject":{"reference":"Patient/{{{patient}}}"},"authoredOn":"2026-12-01",
             "requester":{"reference":"Practitioner/rx-dr"},
             "dosageInstruction":[{"text":"1 comprimé 3 fois par jour","timing":{"repeat":{"frequency":3,"period":1,"periodUnit":"d"} } }]{{{dispense}}}{{{more}}} }
            """;
    }

    private static string Dispense(string prescription, int? quantity = 1, string status = "completed", string patient = "rx-pat", string id = "")
    {
        var amount = quantity is { } q ? $$$""","quantity":{"value":{{{q}}},"unit":"boîte","system":"http://standardterms.edqm.eu","code":"30007000"}""" : "";
        var identity = id.Length > 0 ? "\"id\":\"" + id + "\"," : "";
        return $$$"""
            {"resourceType":"MedicationDispense",{{{identity}}}"status":"{{{status}}}","medicationReference":{"reference":"Medication/rx-paracetamol"},
             "subject":{"reference":"Patient/{{{patient}}}"},"authorizingPrescription":[{"reference":"{{{prescription}}}"}]{{{amount}}} }
            """;
    }

    private async Task<string> StatusOf(string prescription) => (await Fhir.Get("/" + prescription)).Body.GetProperty("status").GetString()!;

    private async Task<string> NewPrescription(string group, int? quantity = 2, int repeats = 0, string status = "active") =>
        "MedicationRequest/" + await Fhir.Create(Prescription(group, status, quantity, repeats));

    private static string Entry(string fullUrl, string json, string method = "POST", string url = "") =>
        $$$"""{"fullUrl":"{{{fullUrl}}}","resource":{{{json}}},"request":{"method":"{{{method}}}","url":"{{{(url.Length > 0 ? url : JsonDocument.Parse(json).RootElement.GetProperty("resourceType").GetString())}}}"}}""";

    private Task<(HttpStatusCode Status, JsonElement Body)> Transaction(params string[] entries) =>
        Fhir.Send(HttpMethod.Post, "/", $$$"""{"resourceType":"Bundle","type":"transaction","entry":[{{{string.Join(",", entries)}}}]}""");

    private static string Location(JsonElement response, int entry) =>
        string.Join('/', response.GetProperty("entry")[entry].GetProperty("response").GetProperty("location").GetString()!.Split('/').Take(2));

    [Test]
    public async Task The_guide_profiles_are_checked_when_claimed()
    {
        await Fhir.Create(Prescription("RX-PROFILE"));
        var (status, outcome) = await Fhir.Send(HttpMethod.Post, "/MedicationRequest", $$$"""
            {"resourceType":"MedicationRequest","meta":{"profile":["{{{MedicationRequestProfile}}}"]},"status":"active","intent":"order",
             "medicationReference":{"reference":"Medication/rx-paracetamol"},"subject":{"reference":"Patient/rx-pat"},
             "dosageInstruction":[{"text":"x","patientInstruction":"not in the guide's profile"}]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        var issues = FrenchFlowClient.Issues(outcome);
        Assert.That(issues, Does.Contain("MedicationRequest.requester: minimum required = 1"));
        Assert.That(issues, Does.Contain("MedicationRequest.authoredOn: minimum required = 1"));
        Assert.That(issues, Does.Contain("patientInstruction: max allowed = 0").And.Contain("@ MedicationRequest.dosageInstruction[0]"));

        // The same content without the claim is a plain R4 MedicationRequest.
        await Fhir.Create("""{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationReference":{"reference":"Medication/rx-paracetamol"},"subject":{"reference":"Patient/rx-pat"}}""");

        await Fhir.Put(Medication("rx-profile-med"));
        (status, outcome) = await Fhir.Send(HttpMethod.Put, "/Medication/rx-no-code", Medication("rx-no-code", """{"text":"paracétamol"}"""));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(FrenchFlowClient.Issues(outcome), Does.Contain("Medication.code.coding:nonCompoundCode").And.Contain("@ Medication.code"));
    }

    [Test]
    public async Task A_prescriber_and_a_pharmacist_find_the_prescription_and_its_dispensations()
    {
        var (status, response) = await Transaction(
            Entry("urn:uuid:7f0c3c1e-0001-4000-8000-000000000001", Prescription("RX-SEARCH")),
            Entry("urn:uuid:7f0c3c1e-0001-4000-8000-000000000002", Prescription("RX-SEARCH", quantity: 1)),
            Entry("urn:uuid:7f0c3c1e-0001-4000-8000-000000000003", Dispense("urn:uuid:7f0c3c1e-0001-4000-8000-000000000001")));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var (first, second, dispense) = (Location(response, 0), Location(response, 1), Location(response, 2));
        string[] lines = [first, second];

        Assert.That(await Fhir.Found($"/MedicationRequest?patient.identifier={InsTest}|{Nir}&group-identifier=RX-SEARCH"), Is.EquivalentTo(lines));
        Assert.That(await Fhir.Found($"/MedicationRequest?requester.identifier={IdNatPs}|{PrescriberId}&group-identifier={Group}|RX-SEARCH"), Is.EquivalentTo(lines));
        Assert.That(await Fhir.Found("/MedicationRequest?group-identifier=RX-SEARCH&status=active"), Is.EquivalentTo(lines));
        Assert.That(await Fhir.Found("/MedicationRequest?group-identifier=RX-SEARCH&status=completed"), Is.Empty);
        Assert.That(await Fhir.Found($"/MedicationRequest?group-identifier={Group}|RX-OTHER"), Is.Empty);
        Assert.That(await Fhir.Found($"/MedicationRequest?patient.identifier={InsTest}|279069912345674&group-identifier=RX-SEARCH"), Is.Empty);
        Assert.That(await Fhir.Found("/MedicationDispense?prescription=" + first), Is.EqualTo(new[] { dispense }));
        Assert.That(await Fhir.Found("/MedicationDispense?prescription=" + second), Is.Empty);
        var revinclude = "/MedicationRequest?group-identifier=RX-SEARCH&_revinclude=MedicationDispense:prescription";
        Assert.That(await Fhir.Found(revinclude), Is.EquivalentTo(lines));
        Assert.That(await Fhir.Found(revinclude, "include"), Is.EqualTo(new[] { dispense }));
    }

    [Test]
    public async Task A_partial_dispensation_keeps_the_prescription_active_and_the_rest_completes_it()
    {
        var prescription = await NewPrescription("RX-PARTIAL");
        var firstDispense = await Fhir.Create(Dispense(prescription));
        Assert.That(await StatusOf(prescription), Is.EqualTo("active"));
        await Fhir.Create(Dispense(prescription));
        var (_, completed) = await Fhir.Get("/" + prescription);
        Assert.That(completed.GetProperty("status").GetString(), Is.EqualTo("completed"));
        Assert.That(completed.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("2"));

        var (status, outcome) = await Fhir.Send(HttpMethod.Post, "/MedicationDispense", Dispense(prescription));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(outcome.GetProperty("issue")[0].GetProperty("code").GetString(), Is.EqualTo("business-rule"));
        Assert.That(FrenchFlowClient.Issues(outcome), Does.Contain("already fully dispensed").And.Contain("@ MedicationDispense.authorizingPrescription[0]"));
        Assert.That(await Fhir.Found("/MedicationDispense?prescription=" + prescription), Has.Count.EqualTo(2));

        // A dispensation already counted may still be corrected.
        var (updated, body) = await Fhir.Send(HttpMethod.Put, "/MedicationDispense/" + firstDispense, Dispense(prescription, id: firstDispense));
        Assert.That(updated, Is.EqualTo(HttpStatusCode.OK), body.ToString());
    }

    [Test]
    public async Task Refills_and_dispensations_under_way_are_counted_as_R4_says()
    {
        // No quantity, one refill: two completed dispensations.
        var counted = await NewPrescription("RX-REFILL", quantity: null, repeats: 1);
        await Fhir.Create(Dispense(counted, quantity: null));
        Assert.That(await StatusOf(counted), Is.EqualTo("active"));
        await Fhir.Create(Dispense(counted, quantity: null));
        Assert.That(await StatusOf(counted), Is.EqualTo("completed"));

        // In progress delivers nothing yet; its update to completed (REST PUT) does.
        var prescription = await NewPrescription("RX-UNDER-WAY");
        var dispense = await Fhir.Create(Dispense(prescription, quantity: 2, status: "in-progress"));
        Assert.That(await StatusOf(prescription), Is.EqualTo("active"));
        var (status, body) = await Fhir.Send(HttpMethod.Put, "/MedicationDispense/" + dispense, Dispense(prescription, quantity: 2, id: dispense));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(await StatusOf(prescription), Is.EqualTo("completed"));
    }

    [Test]
    public async Task A_transaction_prescribes_and_dispenses_the_whole_quantity_at_once()
    {
        var (status, response) = await Transaction(
            Entry("urn:uuid:7f0c3c1e-0002-4000-8000-000000000001", Prescription("RX-AT-ONCE")),
            Entry("urn:uuid:7f0c3c1e-0002-4000-8000-000000000002", Dispense("urn:uuid:7f0c3c1e-0002-4000-8000-000000000001", quantity: 1)),
            Entry("urn:uuid:7f0c3c1e-0002-4000-8000-000000000003", Dispense("urn:uuid:7f0c3c1e-0002-4000-8000-000000000001", quantity: 1)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(await StatusOf(Location(response, 0)), Is.EqualTo("completed"));
    }

    [Test]
    public async Task A_refused_dispensation_leaves_nothing_of_its_transaction()
    {
        var cancelled = await NewPrescription("RX-CANCELLED", status: "cancelled");
        var (status, outcome) = await Transaction(
            Entry("Medication/rx-rollback-med", Medication("rx-rollback-med"), "PUT", "Medication/rx-rollback-med"),
            Entry("urn:uuid:7f0c3c1e-0003-4000-8000-000000000001", Dispense(cancelled)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(FrenchFlowClient.Issues(outcome), Does.Contain("Bundle.entry[1]").And.Contain("is cancelled").And.Contain("@ MedicationDispense.authorizingPrescription[0]"));
        Assert.That((await Fhir.Get("/Medication/rx-rollback-med")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await Fhir.Found("/MedicationDispense?prescription=" + cancelled), Is.Empty);

        // The prescription stays as it was when the dispensation that would complete it is refused with its transaction.
        var prescription = await NewPrescription("RX-ROLLBACK");
        (status, outcome) = await Transaction(
            Entry("urn:uuid:7f0c3c1e-0003-4000-8000-000000000002", Dispense(prescription, quantity: 2)),
            Entry("urn:uuid:7f0c3c1e-0003-4000-8000-000000000003", Dispense("MedicationRequest/rx-missing")));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(FrenchFlowClient.Issues(outcome), Does.Contain("MedicationRequest/rx-missing does not exist"));
        var (_, unchanged) = await Fhir.Get("/" + prescription);
        Assert.That(unchanged.GetProperty("status").GetString(), Is.EqualTo("active"));
        Assert.That(unchanged.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("1"));
        Assert.That(await Fhir.Found("/MedicationDispense?prescription=" + prescription), Is.Empty);
    }

    [Test]
    public async Task A_dispensation_is_refused_for_a_missing_prescription_or_another_patient()
    {
        var (status, outcome) = await Fhir.Send(HttpMethod.Post, "/MedicationDispense", Dispense("MedicationRequest/rx-nowhere"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(FrenchFlowClient.Issues(outcome), Does.Contain("rule: dispensation of an e-prescription").And.Contain("@ MedicationDispense.authorizingPrescription[0]"));

        var prescription = await NewPrescription("RX-OTHER-PATIENT");
        (status, outcome) = await Fhir.Send(HttpMethod.Post, "/MedicationDispense", Dispense(prescription, patient: "rx-other"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(FrenchFlowClient.Issues(outcome), Does.Contain("Patient/rx-other").And.Contain("@ MedicationDispense.subject"));
        Assert.That(await Fhir.Found("/MedicationDispense?prescription=" + prescription), Is.Empty);
    }

    [Test]
    public async Task Two_dispensations_at_once_are_both_counted()
    {
        for (var round = 0; round < 4; round++)
        {
            var prescription = await NewPrescription("RX-RACE-" + round);
            var sent = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Fhir.Send(HttpMethod.Post, "/MedicationDispense", Dispense(prescription))));
            Assert.That(sent.Select(s => s.Status), Is.All.EqualTo(HttpStatusCode.Created), string.Join("\n", sent.Select(s => s.Body.ToString())));
            Assert.That(await StatusOf(prescription), Is.EqualTo("completed"), $"round {round}");

            // Three at once for two boxes: one of them is refused, whichever comes last.
            var tight = await NewPrescription("RX-RACE-TIGHT-" + round);
            var three = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Fhir.Send(HttpMethod.Post, "/MedicationDispense", Dispense(tight))));
            Assert.That(three.Count(s => s.Status == HttpStatusCode.Created), Is.EqualTo(2), string.Join("\n", three.Select(s => s.Body.ToString())));
            Assert.That(three.Count(s => s.Status == HttpStatusCode.UnprocessableEntity), Is.EqualTo(1));
            Assert.That(await Fhir.Found("/MedicationDispense?prescription=" + tight), Has.Count.EqualTo(2));
        }
    }
}
