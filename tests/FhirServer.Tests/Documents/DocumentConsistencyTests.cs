using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Tests.Http;
using static FhirServer.Tests.Documents.DocumentBundles;
using static FhirServer.Tests.Http.ValidationFixtures;

namespace FhirServer.Tests.Documents;

/// <summary>
/// The flow rules of ITI-65 on each store: a replacement supersedes the replaced document in the same transaction, a
/// Folder is updated in it, and a Bundle whose metadata disagree (a replaced document missing, not current or another
/// patient's; a document of another patient than its SubmissionSet; a document whose Binary is nowhere, or another
/// patient's) is refused whole with a 422 naming the entry and the element, the store left as it was.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class DocumentConsistencyTests(string store) : ServerTests(store)
{
    private async Task<string> StoredDocument(string patient, string status = "current")
    {
        var id = "d" + Guid.NewGuid().ToString("N")[..12];
        var document = Document(patient, url: null, status: status);
        document["id"] = id;
        var response = await Client.PutAsync($"/DocumentReference/{id}", RestTests.Json(document.ToJsonString()));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return $"DocumentReference/{id}";
    }

    private async Task<(string Status, string Version)> State(string document)
    {
        var (_, body) = await Get(Client, "/" + document);
        return (body.GetProperty("status").GetString()!, body.GetProperty("meta").GetProperty("versionId").GetString()!);
    }

    /// <summary>The 422 of a refused Bundle, with its one error at <paramref name="expression"/>; and nothing of it stored.</summary>
    private async Task AssertRefused(JsonObject bundle, string patient, string expression, string entry, string words)
    {
        var (documents, lists, binaries) = (await Count(Client, $"/DocumentReference?subject={patient}"), await Count(Client, $"/List?subject={patient}"),
            await Count(Client, "/Binary"));
        var (status, outcome) = await Post(Client, bundle);
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        var error = Errors(outcome).Single();
        Assert.That(Expression(error), Is.EqualTo(expression));
        Assert.That(Text(error), Does.Contain(entry).And.Contain(words));
        Assert.That(await Count(Client, $"/DocumentReference?subject={patient}"), Is.EqualTo(documents), "no document written");
        Assert.That(await Count(Client, $"/List?subject={patient}"), Is.EqualTo(lists), "no SubmissionSet or Folder written");
        Assert.That(await Count(Client, "/Binary"), Is.EqualTo(binaries), "no Binary written");
    }

    [Test]
    public async Task A_replacement_supersedes_the_replaced_document_in_the_same_transaction()
    {
        var patient = NewPatient();
        var replaced = await StoredDocument(patient);

        var (status, response) = await Post(Client, Submission(patient, replaces: replaced));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(await State(replaced), Is.EqualTo(("superseded", "2")));
        var (_, replacing) = await Get(Client, "/" + Locations(response)[1]);
        Assert.That(replacing.GetProperty("status").GetString(), Is.EqualTo("current"));
        Assert.That(await Count(Client, $"/DocumentReference?subject={patient}&status=current"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_replacement_posted_alone_supersedes_too()
    {
        var patient = NewPatient();
        var replaced = await StoredDocument(patient);
        var response = await Client.PostAsync("/DocumentReference", RestTests.Json(Document(patient, url: null, replaces: replaced).ToJsonString()));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        Assert.That(await State(replaced), Is.EqualTo(("superseded", "2")));
    }

    [Test]
    public async Task A_missing_replaced_document_refuses_the_Bundle()
    {
        var patient = NewPatient();
        await AssertRefused(Submission(patient, replaces: "DocumentReference/not-there"), patient,
            "DocumentReference.relatesTo[0].target", "Bundle.entry[1]", "does not exist");
    }

    [Test]
    public async Task A_replaced_document_that_is_not_current_refuses_the_Bundle()
    {
        var patient = NewPatient();
        var replaced = await StoredDocument(patient, status: "superseded");
        await AssertRefused(Submission(patient, replaces: replaced), patient, "DocumentReference.relatesTo[0].target", "Bundle.entry[1]", "only a current document");
        Assert.That(await State(replaced), Is.EqualTo(("superseded", "1")));
    }

    [Test]
    public async Task A_replaced_document_of_another_patient_refuses_the_Bundle()
    {
        var (patient, other) = (NewPatient(), NewPatient());
        var replaced = await StoredDocument(other);
        await AssertRefused(Submission(patient, replaces: replaced), patient, "DocumentReference.relatesTo[0].target", "Bundle.entry[1]", other);
        Assert.That(await State(replaced), Is.EqualTo(("current", "1")), "the other patient's document is left alone");
    }

    [Test]
    public async Task A_document_of_another_patient_than_its_SubmissionSet_refuses_the_Bundle()
    {
        var (patient, other) = (NewPatient(), NewPatient());
        await AssertRefused(Submission(patient, documentPatient: other), patient, "Bundle.entry[1].resource.subject", "Bundle.entry[1]", "SubmissionSet");
        Assert.That(await Count(Client, $"/DocumentReference?subject={other}"), Is.Zero);
    }

    [Test]
    public async Task A_document_whose_Binary_is_nowhere_refuses_the_Bundle()
    {
        var patient = NewPatient();
        var (set, document) = (Urn(), Urn());
        var bundle = Transaction(Entry(set, List("submissionset", patient, document)), Entry(document, Document(patient, "Binary/not-there")));
        await AssertRefused(bundle, patient, "Bundle.entry[1].resource.content[0].attachment.url", "Bundle.entry[1]", "neither in the Bundle nor on this server");

        bundle = Transaction(Entry(set, List("submissionset", patient, document)), Entry(document, Document(patient, Urn())));
        await AssertRefused(bundle, patient, "Bundle.entry[1].resource.content[0].attachment.url", "Bundle.entry[1]", "names no entry");
    }

    [Test]
    public async Task A_document_may_name_a_Binary_already_stored()
    {
        var patient = NewPatient();
        var created = await Client.PostAsync("/Binary", RestTests.Json(Binary().ToJsonString()));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var binary = string.Join('/', created.Headers.Location!.ToString().Split('/').SkipWhile(s => s != "Binary").Take(2));
        var (set, document) = (Urn(), Urn());
        var (status, response) = await Post(Client, Transaction(Entry(set, List("submissionset", patient, document)), Entry(document, Document(patient, binary))));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
    }

    [Test]
    public async Task A_Binary_of_another_patient_refuses_the_Bundle()
    {
        var (patient, other) = (NewPatient(), NewPatient());
        var (set, document, binary) = (Urn(), Urn(), Urn());
        var bundle = Transaction(
            Entry(set, List("submissionset", patient, document)),
            Entry(document, Document(patient, binary)),
            Entry(binary, Binary(securityContext: other)));
        await AssertRefused(bundle, patient, "Bundle.entry[1].resource.content[0].attachment.url", "Bundle.entry[1]", other);
    }

    [Test]
    public async Task A_document_is_added_to_an_existing_Folder_in_the_same_transaction()
    {
        var patient = NewPatient();
        var (set, first, binary, folder) = (Urn(), Urn(), Urn(), Urn());
        var (status, response) = await Post(Client, Transaction(
            Entry(set, List("submissionset", patient, first, folder)),
            Entry(first, Document(patient, binary)),
            Entry(binary, Binary()),
            Entry(folder, List("folder", patient, first))));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var created = Locations(response);

        // The Folder as it is, with the new document added (MHD: a Folder List updated by PUT in the Provide Document Bundle).
        var second = Urn();
        binary = Urn();
        set = Urn();
        var updated = List("folder", patient, created[1], second);
        updated["id"] = created[3].Split('/')[1];
        (status, response) = await Post(Client, Transaction(
            Entry(set, List("submissionset", patient, second, created[3])),
            Entry(second, Document(patient, binary)),
            Entry(binary, Binary()),
            Entry("urn:uuid:" + Guid.NewGuid(), updated, "PUT", created[3])));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());

        var (_, stored) = await Get(Client, "/" + created[3]);
        Assert.That(stored.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("2"));
        Assert.That(stored.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("item").GetProperty("reference").GetString()),
            Is.EqualTo(new[] { created[1], Locations(response)[1] }));

        // A Folder of another patient is not updated by this patient's submission.
        var other = NewPatient();
        var foreign = List("folder", other, created[1]);
        foreign["id"] = created[3].Split('/')[1];
        var refused = Submission(patient);
        refused["entry"]!.AsArray().Add(Entry("urn:uuid:" + Guid.NewGuid(), foreign, "PUT", created[3]));
        await AssertRefused(refused, patient, "Bundle.entry[3].resource.subject", "Bundle.entry[3]", "SubmissionSet");
        Assert.That((await Get(Client, "/" + created[3])).Body.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("2"));

        // Nor taken over by rewriting its subject: the stored Folder is the other patient's.
        var (otherSet, otherDocument, otherFolder) = (Urn(), Urn(), Urn());
        (status, response) = await Post(Client, Transaction(
            Entry(otherSet, List("submissionset", other, otherDocument, otherFolder)),
            Entry(otherDocument, Document(other, url: null)),
            Entry(otherFolder, List("folder", other, otherDocument))));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var theirs = Locations(response)[2];
        var takeover = List("folder", patient, Locations(response)[1]);
        takeover["id"] = theirs.Split('/')[1];
        refused = Submission(patient);
        refused["entry"]!.AsArray().Add(Entry("urn:uuid:" + Guid.NewGuid(), takeover, "PUT", theirs));
        await AssertRefused(refused, patient, "Bundle.entry[3].resource.subject", "Bundle.entry[3]", "updates a Folder of");
        Assert.That((await Get(Client, "/" + theirs)).Body.GetProperty("subject").GetProperty("reference").GetString(), Is.EqualTo(other));
    }
}
