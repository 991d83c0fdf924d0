using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Tests.Http;
using Microsoft.Extensions.DependencyInjection;
using static FhirServer.Tests.Documents.DocumentBundles;
using static FhirServer.Tests.Http.ValidationFixtures;

namespace FhirServer.Tests.Documents;

/// <summary>
/// ITI-65 Provide Document Bundle (IHE MHD 4.2, as ANS PDSm profiles it) with the guides' own examples, on each store:
/// accepted as transactions, answered with the transaction-response MHD expects (every entry with its status and
/// location), and the Bundle validated as a whole against the provide-bundle profile it claims.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class ProvideDocumentBundleTests(string store) : ServerTests(store)
{
    private const string Mhd = "ihe.iti.mhd";

    public static readonly string[] MhdExamples =
    [
        "Bundle-ex-minimalProvideDocumentBundleSimple.json",
        "Bundle-ex-minimalProvideDocumentBundleSimpleContained.json",
        "Bundle-ex-comprehensiveProvideDocumentBundleSimple.json",
        "Bundle-ex-comprehensiveProvideDocumentBundleMultiple.json",
        "Bundle-ex-comprehensiveProvideDocumentBundleComplete.json",
        "Bundle-ex-comprehensiveProvideDocumentBundleDocument.json",
        "Bundle-ex-comprehensiveProvideDocumentBundleReplace.json",
        "Bundle-ex-unContainedComprehensiveProvideDocumentBundleComplete.json",
        "Bundle-ex-ProvideDocumentBundle-addToFolder.json",
    ];

    [TestCaseSource(nameof(MhdExamples))]
    public async Task An_MHD_example_is_accepted_whole_with_the_MHD_response(string file)
    {
        var bundle = Example(Mhd, file);
        if (file.Contains("Replace"))
        {
            // The document it replaces, current again (an earlier run superseded it).
            var replaced = Example(Mhd, "DocumentReference-ex-documentreference.json");
            Assert.That((await Client.PutAsync("/DocumentReference/ex-documentreference", RestTests.Json(replaced.ToJsonString()))).IsSuccessStatusCode, Is.True);
        }
        foreach (var entry in bundle["entry"]!.AsArray())
        {
            // The example updates its Folder with `PUT List`: a FHIR update names the resource (R4 http.html#update,
            // `PUT [type]/[id]`), which this server requires; the id is the Folder's own.
            if (entry!["request"]!["method"]!.GetValue<string>() == "PUT" && entry["request"]!["url"]!.GetValue<string>() == "List")
                entry["request"]!["url"] = "List/" + entry["resource"]!["id"]!.GetValue<string>();
        }

        var (status, response) = await Post(Client, bundle);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(response.GetProperty("type").GetString(), Is.EqualTo("transaction-response"));
        var requests = bundle["entry"]!.AsArray().Select(e => e!["request"]!["method"]!.GetValue<string>()).ToArray();
        var answers = response.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("response")).ToArray();
        Assert.That(answers, Has.Length.EqualTo(requests.Length));
        for (var i = 0; i < answers.Length; i++)
        {
            // ProvideDocumentBundleResponse: every entry has its location (1..1).
            Assert.That(answers[i].GetProperty("location").GetString(), Is.Not.Empty);
            if (requests[i] == "POST") Assert.That(answers[i].GetProperty("status").GetString(), Is.EqualTo("201 Created"), $"entry {i}");
        }
        foreach (var location in Locations(response))
            Assert.That((await Client.GetAsync("/" + location)).StatusCode, Is.EqualTo(HttpStatusCode.OK), location);
        if (file.Contains("Replace"))
        {
            var (_, replaced) = await Get(Client, "/DocumentReference/ex-documentreference");
            Assert.That(replaced.GetProperty("status").GetString(), Is.EqualTo("superseded"));
        }
    }

    /// <summary>
    /// ANS PDSm publishes no Provide Document Bundle request, only its resources: its SubmissionSet, DocumentReference,
    /// Folder and Binary examples make one, claiming PDSm's provide-bundle profile. As published, the DocumentReference
    /// breaks its own profile, and the Bundle is refused whole; corrected, it is accepted.
    /// </summary>
    [Test]
    public async Task The_PDSm_examples_make_a_PDSm_Provide_Document_Bundle_once_their_errors_are_corrected()
    {
        var documents = await Count(Client, "/DocumentReference");
        var (status, outcome) = await Post(Client, PdsmSubmission(corrected: false));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(Errors(outcome).Select(Expression), Has.Some.EqualTo("Bundle.entry[1].resource.author[0]"));
        Assert.That(await Count(Client, "/DocumentReference"), Is.EqualTo(documents), "nothing written");

        (status, var response) = await Post(Client, PdsmSubmission(corrected: true));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var locations = Locations(response);
        Assert.That(locations.Select(l => l.Split('/')[0]), Is.EqualTo(new[] { "List", "DocumentReference", "List", "Binary" }));
        var (_, stored) = await Get(Client, "/" + locations[1]);
        Assert.That(stored.GetProperty("content")[0].GetProperty("attachment").GetProperty("url").GetString(), Is.EqualTo(locations[3]),
            "the document's url names the Binary as stored");
    }

    private static JsonObject PdsmSubmission(bool corrected)
    {
        const string pdsm = "ans.fhir.fr.pdsm";
        var (set, document, folder, binary) = (Urn(), Urn(), Urn(), Urn());
        var bundle = Transaction(
            Entry(set, Example(pdsm, "List-ExampleSubmissionSet.json")),
            Entry(document, Example(pdsm, "DocumentReference-exemple-pdsm-documentreference.json")),
            Entry(folder, Example(pdsm, "List-ExampleFolder.json")),
            Entry(binary, Example(pdsm, "Binary-6789.json")));
        bundle["meta"] = new JsonObject { ["profile"] = new JsonArray(PdsmBundle) };
        var text = bundle.ToJsonString()
            .Replace("\"DocumentReference/exemple-pdsm-documentreference\"", $"\"{document}\"")
            .Replace("\"Binary/6789\"", $"\"{binary}\"");
        if (corrected)
            // The contained Practitioner's RPPS (and the IdNatPS made of it) with its Luhn key (4 for 3).
            text = text.Replace("10101201234\"", "10101201233\"");
        bundle = JsonNode.Parse(text)!.AsObject();
        if (!corrected) return bundle;
        // dom-4: contained resources carry no meta.versionId or meta.lastUpdated.
        foreach (var contained in bundle["entry"]!.AsArray().SelectMany(e => e!["resource"]!["contained"]?.AsArray() ?? []))
        {
            contained!["meta"]!.AsObject().Remove("versionId");
            contained["meta"]!.AsObject().Remove("lastUpdated");
        }
        // pdsm-comprehensive-document-reference takes author and authenticator as a contained PractitionerRole (the
        // example names an external one and leaves its contained Practitioner unreferenced, dom-3), and requires
        // context.sourcePatientInfo as a contained Patient (the example names Patient/fr-patient-123): here the
        // PDSm Patient example, contained.
        var reference = bundle["entry"]![1]!["resource"]!.AsObject();
        var patient = Example(pdsm, "Patient-fr-patient-123.json");
        patient.Remove("text");
        reference["contained"]!.AsArray().Add(new JsonObject
        {
            ["resourceType"] = "PractitionerRole", ["id"] = "practitionerrole-example",
            ["practitioner"] = new JsonObject { ["reference"] = "#practitioner-example" },
        });
        reference["contained"]!.AsArray().Add(patient);
        reference["author"] = new JsonArray(new JsonObject { ["reference"] = "#practitionerrole-example" });
        reference["authenticator"] = new JsonObject { ["reference"] = "#practitionerrole-example" };
        reference["context"]!["sourcePatientInfo"] = new JsonObject { ["reference"] = "#fr-patient-123" };
        return bundle;
    }

    /// <summary>
    /// A Bundle claiming a provide-bundle profile is validated whole, its entries' resources with it; their writes take
    /// that validation rather than validating each resource again.
    /// </summary>
    [Test]
    public async Task A_provide_bundle_and_its_entries_are_validated_once()
    {
        var validator = Factory.Services.GetRequiredService<FhirServer.Validation.ServerValidator>();
        var bundle = Example(Mhd, "Bundle-ex-comprehensiveProvideDocumentBundleSimple.json");
        var before = validator.WriteValidations;

        var (status, response) = await Post(Client, bundle);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(Locations(response), Has.Length.EqualTo(3));
        Assert.That(validator.WriteValidations - before, Is.EqualTo(1), "the Bundle, not once more per entry written");
    }

    /// <summary>What the write of each entry found before, the Bundle's validation finds: an entry is refused with its location.</summary>
    [Test]
    public async Task An_invalid_entry_of_a_provide_bundle_is_refused_with_its_location()
    {
        var documents = await Count(Client, "/DocumentReference");
        // Against the DocumentReference's base definition (status has a required binding).
        var bundle = Example(Mhd, "Bundle-ex-comprehensiveProvideDocumentBundleSimple.json");
        bundle["entry"]![1]!["resource"]!["status"] = "bogus";
        var (status, outcome) = await Post(Client, bundle);
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(Errors(outcome).Select(Expression), Has.Some.StartWith("Bundle.entry[1].resource.status"), outcome.ToString());

        // Against the profile the entry declares (IHE.MHD.Comprehensive.DocumentReference: masterIdentifier 1..1).
        bundle = Example(Mhd, "Bundle-ex-comprehensiveProvideDocumentBundleSimple.json");
        bundle["entry"]![1]!["resource"]!.AsObject().Remove("masterIdentifier");
        (status, outcome) = await Post(Client, bundle);
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(Errors(outcome).Select(Text), Has.Some.Contains("masterIdentifier"), outcome.ToString());
        Assert.That(Errors(outcome).Select(Expression), Has.Some.StartWith("Bundle.entry[1]"), outcome.ToString());

        // The Binary entry, which no slice of the profile names a profile for: against its base (contentType 1..1).
        bundle = Example(Mhd, "Bundle-ex-comprehensiveProvideDocumentBundleSimple.json");
        bundle["entry"]![2]!["resource"]!.AsObject().Remove("contentType");
        (status, outcome) = await Post(Client, bundle);
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(Errors(outcome).Select(Text), Has.Some.Contains("Binary.contentType"), outcome.ToString());
        Assert.That(Errors(outcome).Select(Expression), Has.Some.StartWith("Bundle.entry[2].resource"), outcome.ToString());

        Assert.That(await Count(Client, "/DocumentReference"), Is.EqualTo(documents), "nothing written");
    }

    /// <summary>The warnings found in an entry's resource come back in its response with Prefer: return=OperationOutcome, located in the resource.</summary>
    [Test]
    public async Task The_warnings_of_a_provide_bundle_entry_come_back_in_its_response()
    {
        var bundle = Example(Mhd, "Bundle-ex-comprehensiveProvideDocumentBundleSimple.json");
        bundle["entry"]![1]!["resource"]!["meta"]!["profile"]!.AsArray().Add("http://example.org/fhir/StructureDefinition/not-loaded-here");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = RestTests.Json(bundle.ToJsonString()) };
        request.Headers.Add("Prefer", "return=OperationOutcome");

        var (status, response) = await ValidationFixtures.Read(await Client.SendAsync(request));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var outcome = response.GetProperty("entry")[1].GetProperty("response").GetProperty("outcome");
        var warnings = Issues(outcome).Where(i => i.GetProperty("severity").GetString() == "warning").ToList();
        Assert.That(warnings.Select(Text), Has.Some.Contains("not-loaded-here"), outcome.ToString());
        Assert.That(warnings.Select(Expression), Has.Some.StartWith("DocumentReference.meta.profile"), outcome.ToString());
        var binaryOutcome = response.GetProperty("entry")[2].GetProperty("response").GetProperty("outcome");
        Assert.That(Issues(binaryOutcome).Select(Text), Has.None.Contains("not-loaded-here"), "each entry has its own");
    }

    [Test]
    public async Task A_Bundle_claiming_the_MHD_profile_without_its_SubmissionSet_is_refused_whole()
    {
        var bundle = Example(Mhd, "Bundle-ex-comprehensiveProvideDocumentBundleSimple.json");
        bundle["entry"]!.AsArray().RemoveAt(0);
        var documents = await Count(Client, "/DocumentReference");

        var (status, outcome) = await Post(Client, bundle);

        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(Errors(outcome).Select(Text), Has.Some.Contains("SubmissionSet"));
        Assert.That(await Count(Client, "/DocumentReference"), Is.EqualTo(documents), "nothing written");

        // The same entries in a Bundle that claims no profile: each resource is valid on its own.
        bundle["meta"]!.AsObject().Remove("profile");
        (status, outcome) = await Post(Client, bundle);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), outcome.ToString());
    }
}

/// <summary>
/// Validation:RequiredProfiles:Bundle (strict mode): a transaction Bundle that claims nothing is held to the required
/// provide-bundle profile all the same.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class RequiredBundleProfileTests(string store) : ServerTests(store, new()
{
    ["Validation:OnWrite"] = "strict",
    ["Validation:RequiredProfiles:Bundle"] = "https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Minimal.ProvideBundle",
})
{
    [Test]
    public async Task A_transaction_Bundle_must_meet_the_required_profile()
    {
        var patient = NewPatient();
        var bundle = Submission(patient);
        bundle["entry"]!.AsArray().RemoveAt(0);

        var (status, outcome) = await Post(Client, bundle);

        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(Errors(outcome).Select(Text), Has.Some.Contains("IHE.MHD.Minimal.ProvideBundle"));
        Assert.That(await Count(Client, $"/DocumentReference?subject={patient}"), Is.Zero);
    }
}

/// <summary>
/// Validation:RequiredProfiles of an entry's type (strict mode): an entry of a provide bundle is held to them as a
/// resource written alone is; the Bundle's own validation does not ask for them, its write does.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class RequiredEntryProfileTests(string store) : ServerTests(store, new()
{
    ["Validation:OnWrite"] = "strict",
    ["Validation:RequiredProfiles:DocumentReference"] = "https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Comprehensive.DocumentReference",
})
{
    [Test]
    public async Task An_entry_of_a_type_with_required_profiles_is_held_to_them()
    {
        // A comprehensive submission meets them; a minimal one (its DocumentReference without type, category, …) does not.
        var (status, response) = await Post(Client, Example("ihe.iti.mhd", "Bundle-ex-comprehensiveProvideDocumentBundleSimple.json"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var documents = await Count(Client, "/DocumentReference");

        (status, var outcome) = await Post(Client, Example("ihe.iti.mhd", "Bundle-ex-minimalProvideDocumentBundleSimple.json"));

        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(Errors(outcome).Select(Text), Has.Some.Contains("IHE.MHD.Comprehensive.DocumentReference"), outcome.ToString());
        Assert.That(Errors(outcome).Select(Text), Has.Some.StartWith("Bundle.entry[1] (POST DocumentReference)"), outcome.ToString());
        Assert.That(await Count(Client, "/DocumentReference"), Is.EqualTo(documents), "nothing written");
    }
}
