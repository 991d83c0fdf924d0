using System.Text.Json;
using FhirServer.Tests.Http;

namespace FhirServer.Tests.Smart;

/// <summary>
/// CapabilityStatement.rest.security (SMART App Launch 2.x conformance.html): with Auth:Mode=smart the service
/// SMART-on-FHIR and the oauth-uris extension naming the authorization server's endpoints; without, no security.
/// </summary>
[TestFixture("sqlite")]
public class CapabilityStatementSecurityTests(string store) : SmartServerTests(store)
{
    [Test]
    public async Task With_smart_the_statement_names_the_service_and_the_oauth_uris()
    {
        var statement = JsonDocument.Parse(await Client.GetStringAsync("/metadata")).RootElement;
        var security = statement.GetProperty("rest")[0].GetProperty("security");
        var coding = security.GetProperty("service")[0].GetProperty("coding")[0];
        Assert.That(coding.GetProperty("system").GetString(), Is.EqualTo("http://terminology.hl7.org/CodeSystem/restful-security-service"));
        Assert.That(coding.GetProperty("code").GetString(), Is.EqualTo("SMART-on-FHIR"));
        var extension = security.GetProperty("extension")[0];
        Assert.That(extension.GetProperty("url").GetString(), Is.EqualTo("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"));
        var uris = extension.GetProperty("extension").EnumerateArray()
            .ToDictionary(e => e.GetProperty("url").GetString()!, e => e.GetProperty("valueUri").GetString()!);
        Assert.That(uris, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["token"] = "http://localhost/auth/token",
            ["authorize"] = "http://localhost/auth/authorize",
            ["introspect"] = "http://localhost/auth/introspect",
            ["revoke"] = "http://localhost/auth/revoke",
        }));
        var xml = await Client.GetStringAsync("/metadata?_format=xml");
        Assert.That(xml.Contains("<code value=\"SMART-on-FHIR\"", StringComparison.Ordinal) && xml.Contains("oauth-uris", StringComparison.Ordinal), Is.True, "in XML too");
    }

    [Test]
    public async Task Without_smart_there_is_no_security_element()
    {
        using var factory = new ServerFactory("sqlite");
        var statement = JsonDocument.Parse(await factory.CreateClient().GetStringAsync("/metadata")).RootElement;
        Assert.That(statement.GetProperty("rest")[0].TryGetProperty("security", out _), Is.False);
    }
}
