using System.Net;
using static FhirServer.Tests.Http.ValidationFixtures;

namespace FhirServer.Tests.Http;

/// <summary>
/// The validator's switches in the server's configuration (<c>Validation:AnyExtensions</c>, <c>ExtensionDomains</c>,
/// <c>SecurityChecks</c>, <c>MaxIssues</c>), on each store: they change what a write accepts and what <c>$validate</c> says.
/// The server's defaults accept these resources (<c>A_default_server_accepts_them</c>).
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class ValidatorSwitchesTests(string store) : ServerTests(store, new()
{
    ["Validation:AnyExtensions"] = "false",
    ["Validation:ExtensionDomains"] = "https://extensions.hopital-nord.fr/, urn:oid:1.2.250.1.999.",
    ["Validation:SecurityChecks"] = "true",
    ["Validation:MaxIssues"] = "3",
})
{
    private static string PatientWithExtensions(params string[] urls) =>
        $$"""{"resourceType":"Patient","extension":[{{string.Join(",", urls.Select(u => $$"""{"url":"{{u}}","valueString":"x"}"""))}}],"active":true}""";

    internal static readonly string UnknownExtension = PatientWithExtensions("https://extensions.ailleurs.fr/couleur-preferee");
    internal static readonly string ExtensionOfAConfiguredDomain = PatientWithExtensions("https://extensions.hopital-nord.fr/chambre");
    internal const string ScriptInAName = """{"resourceType":"Patient","name":[{"family":"<script>alert(1)</script>"}]}""";

    [Test]
    public async Task An_unknown_extension_outside_the_configured_domains_is_refused()
    {
        var (status, body) = await Read(await Client.PostAsync("/Patient", RestTests.Json(UnknownExtension)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), body.ToString());
        Assert.That(Errors(body).Select(Expression), Has.Some.StartsWith("Patient.extension[0]"), body.ToString());
    }

    [Test]
    public async Task An_unknown_extension_of_a_configured_domain_is_accepted()
    {
        var response = await Client.PostAsync("/Patient", RestTests.Json(ExtensionOfAConfiguredDomain));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Html_in_a_string_is_refused_with_security_checks()
    {
        var (status, body) = await Read(await Client.PostAsync("/Patient", RestTests.Json(ScriptInAName)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), body.ToString());
        Assert.That(Errors(body).Select(Expression), Has.Some.EqualTo("Patient.name[0].family"), body.ToString());
    }

    [Test]
    public async Task Validate_reports_at_most_MaxIssues_and_counts_the_rest()
    {
        var urls = Enumerable.Range(0, 10).Select(i => $"https://extensions.ailleurs.fr/e{i}").ToArray();
        var (status, body) = await Read(await Client.PostAsync("/Patient/$validate", RestTests.Json(PatientWithExtensions(urls))));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        var issues = Issues(body).ToList();
        Assert.That(issues, Has.Count.EqualTo(4), body.ToString());
        Assert.That(Text(issues[^1]), Does.Contain("more issue(s) not reported").And.Contain("Validation:MaxIssues"), body.ToString());
    }
}

/// <summary>The same resources on a server with the default switches: accepted, so the fixture above tests the switches.</summary>
[TestFixture("sqlite")]
public class ValidatorSwitchDefaultsTests(string store) : ServerTests(store)
{
    [TestCase(nameof(ValidatorSwitchesTests.UnknownExtension))]
    [TestCase(nameof(ValidatorSwitchesTests.ScriptInAName))]
    public async Task A_default_server_accepts_them(string which)
    {
        var body = which == nameof(ValidatorSwitchesTests.UnknownExtension) ? ValidatorSwitchesTests.UnknownExtension : ValidatorSwitchesTests.ScriptInAName;
        var response = await Client.PostAsync("/Patient", RestTests.Json(body));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }
}
