using System.Net;
using System.Text.Json;

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
        foreach (var json in resources)
        {
            using var document = JsonDocument.Parse(json);
            var type = document.RootElement.GetProperty("resourceType").GetString();
            var id = document.RootElement.GetProperty("id").GetString();
            var (status, body) = await LimitRequests.Send(Client, HttpMethod.Put, $"/{type}/{id}", json);
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body.ToString());
        }
    }

    public static IEnumerable<TestCaseData> Searches()
    {
        TestCaseData Case(string query, params string[] ids) => new TestCaseData(query, ids).SetArgDisplayNames(query);
        yield return Case("DocumentReference?author.given=helene", "contained-author");
        yield return Case("DocumentReference?author.family=DUPRE", "contained-author");
        yield return Case("DocumentReference?author:Practitioner.family=dupré", "contained-author");
        // The stored author is still found, and a union of both kinds is one search.
        yield return Case("DocumentReference?author.family=stocke", "stored-author");
        yield return Case("DocumentReference?author.given=helene,paul", "contained-author", "stored-author");
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
        // Contained resources are not resources of the server: a search of their type does not find them.
        yield return Case("Practitioner?family=dupre");
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
