using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Tests.Support;
using FhirServer.Tests.Http;

namespace FhirServer.Tests.Documents;

/// <summary>
/// IHE MHD Provide Document Bundles for the tests: the guides' examples read from ../shared/fhir-examples (never
/// copied here), and small ones built around a patient of the test's own, so that what a test finds is its own.
/// </summary>
internal static class DocumentBundles
{
    public const string ListTypes = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes";
    public const string MhdComprehensiveBundle = "https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Comprehensive.ProvideBundle";
    public const string PdsmBundle = "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-comprehensive-provide-document-bundle";

    public static JsonObject Example(string package, string file) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(TestData.ExamplesFolder, package, file)))!.AsObject();

    public static string Urn() => "urn:uuid:" + Guid.NewGuid();

    public static string NewPatient() => "Patient/p" + Guid.NewGuid().ToString("N")[..12];

    public static JsonObject List(string code, string patient, params string[] items) => new()
    {
        ["resourceType"] = "List",
        ["status"] = "current",
        ["mode"] = "working",
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = ListTypes, ["code"] = code }) },
        ["subject"] = new JsonObject { ["reference"] = patient },
        ["entry"] = new JsonArray([.. items.Select(i => (JsonNode)new JsonObject { ["item"] = new JsonObject { ["reference"] = i } })]),
    };

    public static JsonObject Document(string patient, string? url, string? replaces = null, string status = "current")
    {
        var document = new JsonObject
        {
            ["resourceType"] = "DocumentReference",
            ["status"] = status,
            ["subject"] = new JsonObject { ["reference"] = patient },
            ["content"] = new JsonArray(new JsonObject
            {
                ["attachment"] = url is null
                    ? new JsonObject { ["contentType"] = "application/pdf", ["data"] = "JVBERi0xLjQK" }
                    : new JsonObject { ["contentType"] = "application/pdf", ["url"] = url },
            }),
        };
        if (replaces is not null)
            document["relatesTo"] = new JsonArray(new JsonObject { ["code"] = "replaces", ["target"] = new JsonObject { ["reference"] = replaces } });
        return document;
    }

    public static JsonObject Binary(string? securityContext = null)
    {
        var binary = new JsonObject { ["resourceType"] = "Binary", ["contentType"] = "application/pdf", ["data"] = "JVBERi0xLjQKJcfsj6IK" };
        if (securityContext is not null) binary["securityContext"] = new JsonObject { ["reference"] = securityContext };
        return binary;
    }

    public static JsonObject Entry(string fullUrl, JsonObject resource, string method = "POST", string? url = null) => new()
    {
        ["fullUrl"] = fullUrl,
        ["resource"] = resource,
        ["request"] = new JsonObject { ["method"] = method, ["url"] = url ?? resource["resourceType"]!.GetValue<string>() },
    };

    public static JsonObject Transaction(params JsonObject[] entries) => new()
    {
        ["resourceType"] = "Bundle",
        ["type"] = "transaction",
        ["entry"] = new JsonArray([.. entries]),
    };

    /// <summary>A submission of one document (SubmissionSet, DocumentReference, Binary) for <paramref name="patient"/>.</summary>
    public static JsonObject Submission(string patient, string? replaces = null, string? documentPatient = null)
    {
        var (set, document, binary) = (Urn(), Urn(), Urn());
        return Transaction(
            Entry(set, List("submissionset", patient, document)),
            Entry(document, Document(documentPatient ?? patient, binary, replaces)),
            Entry(binary, Binary()));
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> Post(HttpClient client, JsonObject bundle) =>
        await ValidationFixtures.Read(await client.PostAsync("/", RestTests.Json(bundle.ToJsonString())));

    public static async Task<(HttpStatusCode Status, JsonElement Body)> Get(HttpClient client, string url) =>
        await ValidationFixtures.Read(await client.GetAsync(url));

    public static async Task<int> Count(HttpClient client, string search)
    {
        var (status, body) = await Get(client, search + (search.Contains('?') ? "&" : "?") + "_summary=count");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        return body.GetProperty("total").GetInt32();
    }

    /// <summary>The <c>Type/id</c> of each entry of a transaction-response (its location without the version).</summary>
    public static string[] Locations(JsonElement response) =>
        [.. response.GetProperty("entry").EnumerateArray().Select(e => string.Join('/', e.GetProperty("response").GetProperty("location").GetString()!.Split('/').Take(2)))];
}
