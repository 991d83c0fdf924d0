using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Tests.Http;

/// <summary>
/// Chains evaluated inside contained resources (R4 search.html#contained: "a chained condition will be evaluated
/// inside contained resources"): PDSm's comprehensive DocumentReferences and SubmissionSets carry their author as a
/// contained Practitioner or PractitionerRole (<c>"author": [{"reference": "#…"}]</c>), and ITI-67 / ITI-66 search
/// them by <c>author.given</c>, <c>author.family</c>, <c>source.given</c>, <c>source.family</c>. On each store.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class ContainedChainTests(string store) : ServerTests(store, new()
{
    // What is searched here, not whether the documents meet PDSm (the write path checks that elsewhere).
    ["Validation:OnWrite"] = "off",
})
{
    protected override async Task Seed()
    {
        string[] resources =
        [
            """{"resourceType":"Organization","id":"lilas","name":"Clinique des Lilas"}""",
            """{"resourceType":"Practitioner","id":"stored","name":[{"family":"Stocké","given":["Paul"]}]}""",
            // Two contained authors: a Practitioner, and a PractitionerRole at a stored Organization.
            """
            {"resourceType":"DocumentReference","id":"contained-author","status":"current",
             "contained":[{"resourceType":"Practitioner","id":"p1","name":[{"family":"Dupré","given":["Hélène"]}]},
                          {"resourceType":"PractitionerRole","id":"r1","organization":{"reference":"Organization/lilas"},
                           "identifier":[{"system":"https://rpps.esante.gouv.fr","value":"10000000009"}]}],
             "author":[{"reference":"#p1"},{"reference":"#r1"}],
             "content":[{"attachment":{"contentType":"application/pdf"}}]}
            """,
            // A contained Practitioner that is the authenticator, not an author.
            """
            {"resourceType":"DocumentReference","id":"contained-authenticator","status":"current",
             "contained":[{"resourceType":"Practitioner","id":"a","name":[{"family":"Martin","given":["Jeanne"]}]}],
             "authenticator":{"reference":"#a"},
             "content":[{"attachment":{"contentType":"application/pdf"}}]}
            """,
            // A stored author, as before.
            """
            {"resourceType":"DocumentReference","id":"stored-author","status":"current",
             "author":[{"reference":"Practitioner/stored"}],
             "content":[{"attachment":{"contentType":"application/pdf"}}]}
            """,
            """
            {"resourceType":"List","id":"submission","status":"current","mode":"working",
             "contained":[{"resourceType":"Practitioner","id":"s","name":[{"family":"Lefèvre","given":["Éloïse"]}]}],
             "source":{"reference":"#s"}}
            """,
        ];
        foreach (var json in resources.Append(PdsmDocument()).Concat(TwoLevelResources))
        {
            using var document = JsonDocument.Parse(json);
            var type = document.RootElement.GetProperty("resourceType").GetString();
            var id = document.RootElement.GetProperty("id").GetString();
            var (status, body) = await LimitRequests.Send(Client, HttpMethod.Put, $"/{type}/{id}", json);
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body.ToString());
        }
    }

    /// <summary>
    /// PDSm's comprehensive DocumentReference example as docs/french-flows.md corrects it: its author and authenticator
    /// a contained PractitionerRole whose <c>practitioner</c> is the Practitioner contained beside it (Leclerc Sophie,
    /// RPPS with its Luhn key), rather than an external role and an unreferenced Practitioner.
    /// </summary>
    private static string PdsmDocument()
    {
        var text = File.ReadAllText(Path.Combine(TestData.ExamplesFolder, "ans.fhir.fr.pdsm/DocumentReference-exemple-pdsm-documentreference.json"))
            .Replace("10101201234\"", "10101201233\"");
        var document = JsonNode.Parse(text)!.AsObject();
        document["id"] = "pdsm";
        foreach (var contained in document["contained"]!.AsArray())
        {
            contained!["meta"]!.AsObject().Remove("versionId");
            contained["meta"]!.AsObject().Remove("lastUpdated");
        }
        document["contained"]!.AsArray().Add(JsonNode.Parse(
            """{"resourceType":"PractitionerRole","id":"practitionerrole-example","practitioner":{"reference":"#practitioner-example"}}"""));
        document["author"] = JsonNode.Parse("""[{"reference":"#practitionerrole-example"}]""");
        document["authenticator"] = JsonNode.Parse("""{"reference":"#practitionerrole-example"}""");
        return document.ToJsonString();
    }

    private static readonly string[] TwoLevelResources =
    [
        """{"resourceType":"PractitionerRole","id":"stored-role","practitioner":{"reference":"Practitioner/stored"}}""",
        // A contained link after a stored one: the stored Patient holds its general practitioner contained.
        """
        {"resourceType":"Patient","id":"gp-contained","contained":[{"resourceType":"Practitioner","id":"gp","name":[{"family":"Médecin"}]}],
         "generalPractitioner":[{"reference":"#gp"}]}
        """,
        """{"resourceType":"Observation","id":"of-gp-contained","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/gp-contained"}}""",
        // A contained role whose practitioner is stored (relative and absolute references).
        """
        {"resourceType":"DocumentReference","id":"role-to-stored","status":"current",
         "contained":[{"resourceType":"PractitionerRole","id":"r","practitioner":{"reference":"Practitioner/stored"}}],
         "author":[{"reference":"#r"}],"content":[{"attachment":{"contentType":"application/pdf"}}]}
        """,
        """
        {"resourceType":"DocumentReference","id":"role-to-stored-absolute","status":"current",
         "contained":[{"resourceType":"PractitionerRole","id":"r","practitioner":{"reference":"http://localhost/Practitioner/stored"}}],
         "author":[{"reference":"#r"}],"content":[{"attachment":{"contentType":"application/pdf"}}]}
        """,
        // A stored role, its practitioner stored: MHD's author person through a role is not only a contained one's.
        """
        {"resourceType":"DocumentReference","id":"stored-role-author","status":"current",
         "author":[{"reference":"PractitionerRole/stored-role"}],"content":[{"attachment":{"contentType":"application/pdf"}}]}
        """,
        // The role's practitioner contained but the role not the author: nothing of it is reached through author.
        """
        {"resourceType":"DocumentReference","id":"unreferenced-role","status":"current",
         "contained":[{"resourceType":"PractitionerRole","id":"r","practitioner":{"reference":"#p"}},
                      {"resourceType":"Practitioner","id":"p","name":[{"family":"Orphelin"}]}],
         "custodian":{"reference":"Organization/lilas"},"content":[{"attachment":{"contentType":"application/pdf"}}]}
        """,
    ];

    public static IEnumerable<TestCaseData> Searches()
    {
        TestCaseData Case(string query, params string[] ids) => new TestCaseData(query, ids).SetArgDisplayNames(query);
        yield return Case("DocumentReference?author.given=helene", "contained-author");
        yield return Case("DocumentReference?author.family=DUPRE", "contained-author");
        yield return Case("DocumentReference?author:Practitioner.family=dupré", "contained-author");
        // The stored author is still found, and a union of both kinds is one search.
        yield return Case("DocumentReference?author:Practitioner.family=stocke", "stored-author");
        yield return Case("DocumentReference?author:Practitioner.given=helene,paul", "contained-author", "stored-author");
        yield return Case("DocumentReference?author.given=helene,paul", "contained-author", "stored-author", "role-to-stored", "role-to-stored-absolute", "stored-role-author");
        // Only the parameter that points at the contained resource reaches it.
        yield return Case("DocumentReference?author.family=martin");
        yield return Case("DocumentReference?authenticator.family=martin", "contained-authenticator");
        // A token of a contained PractitionerRole, and a chain from it to a stored Organization.
        yield return Case("DocumentReference?author:PractitionerRole.identifier=https://rpps.esante.gouv.fr|10000000009", "contained-author");
        yield return Case("DocumentReference?author:PractitionerRole.organization.name=clinique", "contained-author");
        yield return Case("DocumentReference?author:PractitionerRole.organization=Organization/lilas", "contained-author");
        // With another clause, and with a modifier of the last link.
        yield return Case("DocumentReference?author.given=helene&status=current", "contained-author");
        yield return Case("DocumentReference?author.given:exact=Hélène", "contained-author");
        // ITI-66: the SubmissionSet's source.
        yield return Case("List?source.given=eloise", "submission");
        yield return Case("List?source.family=Lefevre", "submission");
        // Two contained links: PDSm's author, a contained PractitionerRole whose practitioner is contained beside it.
        yield return Case("DocumentReference?author:PractitionerRole.practitioner.family=leclerc", "pdsm");
        yield return Case("DocumentReference?author.practitioner.given=sophie", "pdsm");
        yield return Case("DocumentReference?author:PractitionerRole.practitioner:Practitioner.identifier=https://rpps.esante.gouv.fr|10101201233", "pdsm");
        yield return Case("DocumentReference?authenticator:PractitionerRole.practitioner.name=leclerc", "pdsm");
        yield return Case("DocumentReference?author:PractitionerRole.practitioner.family=orphelin");
        // ITI-67 author.given / author.family: the author person, the role's practitioner, contained or stored.
        yield return Case("DocumentReference?author.given=sophie", "pdsm");
        yield return Case("DocumentReference?author.family=LECLERC&status=current", "pdsm");
        yield return Case("DocumentReference?author.family=stocke", "stored-author", "role-to-stored", "role-to-stored-absolute", "stored-role-author");
        yield return Case("DocumentReference?author.given=sophie,helene", "pdsm", "contained-author");
        yield return Case("DocumentReference?author:PractitionerRole.practitioner.family=stocke", "role-to-stored", "role-to-stored-absolute", "stored-role-author");
        yield return Case("DocumentReference?author.family=orphelin");
        yield return Case("Observation?subject:Patient.general-practitioner.family=medecin", "of-gp-contained");
        yield return Case("Observation?subject.general-practitioner.name=medecin", "of-gp-contained");
        // Contained resources are not resources of the server: a search of their type does not find them.
        yield return Case("Practitioner?family=dupre");
        yield return Case("Practitioner?family=leclerc");
        yield return Case("Practitioner?given=eloise");
        yield return Case("PractitionerRole?identifier=https://rpps.esante.gouv.fr|10000000009");
    }

    [TestCaseSource(nameof(Searches))]
    public async Task Chains_reach_contained_resources(string query, string[] expected)
    {
        Assert.That(await Ids(query), Is.EquivalentTo(expected), query);
    }

    [Test]
    public async Task A_new_version_replaces_the_contained_rows()
    {
        const string before = """
            {"resourceType":"DocumentReference","id":"changing","status":"current",
             "contained":[{"resourceType":"Practitioner","id":"p","name":[{"family":"Avant"}]}],
             "author":[{"reference":"#p"}],"content":[{"attachment":{"contentType":"application/pdf"}}]}
            """;
        Assert.That((await LimitRequests.Send(Client, HttpMethod.Put, "/DocumentReference/changing", before)).Status, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await Ids("DocumentReference?author.family=avant"), Is.EquivalentTo(new[] { "changing" }));
        var after = before.Replace("Avant", "Après");
        Assert.That((await LimitRequests.Send(Client, HttpMethod.Put, "/DocumentReference/changing", after)).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Ids("DocumentReference?author.family=avant"), Is.Empty);
        Assert.That(await Ids("DocumentReference?author.family=apres"), Is.EquivalentTo(new[] { "changing" }));
        Assert.That((await LimitRequests.Send(Client, HttpMethod.Delete, "/DocumentReference/changing")).Status, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.NoContent));
        Assert.That(await Ids("DocumentReference?author.family=apres"), Is.Empty);
    }

    private async Task<List<string?>> Ids(string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/" + query.Replace("|", "%7C"));
        request.Headers.Accept.ParseAdd("application/fhir+json");
        request.Headers.Add("Prefer", "handling=strict");
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        using var bundle = JsonDocument.Parse(text);
        return bundle.RootElement.TryGetProperty("entry", out var entries)
            ? entries.EnumerateArray().Where(e => e.GetProperty("search").GetProperty("mode").GetString() == "match")
                .Select(e => e.GetProperty("resource").GetProperty("id").GetString()).ToList()
            : [];
    }
}
