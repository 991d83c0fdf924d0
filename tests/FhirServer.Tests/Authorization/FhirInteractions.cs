namespace FhirServer.Tests.Authorization;

/// <summary>
/// Every kind of FHIR interaction, aimed at one Observation of one Patient (and one Binary): the one list the
/// authorization matrices send — without a token, with a bad one, with one whose scopes do not cover it, with another
/// patient's — so that an interaction added here is checked by all of them.
/// </summary>
public static class FhirInteractions
{
    /// <summary>The resources aimed at: an Observation of the Patient (whose family name is given), and a Binary.</summary>
    public sealed record Target(string Observation, string Patient, string Family, string Binary);

    public sealed record Interaction(string Kind, string Method, string Url, string? Body, string? MediaType);

    public static string Observation(string patient, string? id = null) =>
        $$$"""{"resourceType":"Observation",{{{(id is null ? "" : $"\"id\":\"{id}\",")}}}"status":"final","code":{"text":"x"},"subject":{"reference":"Patient/{{{patient}}}"}}""";

    public static IEnumerable<Interaction> For(Target t)
    {
        var (o, p) = (t.Observation, t.Patient);
        yield return new("read", "GET", $"/Observation/{o}", null, null);
        yield return new("vread", "GET", $"/Observation/{o}/_history/1", null, null);
        yield return new("history-instance", "GET", $"/Observation/{o}/_history", null, null);
        yield return new("history-type", "GET", "/Observation/_history", null, null);
        yield return new("history-system", "GET", "/_history", null, null);
        yield return new("search", "GET", "/Observation?_include=Observation:subject&_revinclude=Observation:has-member&_revinclude=Provenance:target", null, null);
        yield return new("search-count", "GET", "/Observation?_summary=count", null, null);
        yield return new("search-has", "GET", $"/Patient?_has:Observation:subject:_id={o}", null, null);
        yield return new("search-chain", "GET", $"/Observation?subject.name={t.Family}", null, null);
        yield return new("search-post", "POST", "/Observation/_search", $"_id={o}", "application/x-www-form-urlencoded");
        yield return new("search-system", "GET", $"/?_type=Observation,Patient&_id={o},{p}", null, null);
        yield return new("compartment", "GET", $"/Patient/{p}/Observation", null, null);
        yield return new("create", "POST", "/Observation", Observation(p), null);
        yield return new("update", "PUT", $"/Observation/{o}", Observation(p, o), null);
        yield return new("patch", "PATCH", $"/Observation/{o}", """[{"op":"replace","path":"/status","value":"amended"}]""", "application/json-patch+json");
        yield return new("delete", "DELETE", $"/Observation/{o}", null, null);
        yield return new("batch", "POST", "/", $$$"""{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Observation/{{{o}}}"}}]}""", null);
        yield return new("transaction", "POST", "/", $$$"""{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"DELETE","url":"Observation/{{{o}}}"}}]}""", null);
        yield return new("$validate", "POST", "/Observation/$validate", Observation(p), null);
        yield return new("$lookup", "GET", "/CodeSystem/$lookup?system=http://loinc.org&code=1-8", null, null);
        yield return new("$expand", "GET", "/ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender", null, null);
        yield return new("binary-read", "GET", $"/Binary/{t.Binary}", null, null);
        yield return new("binary-create", "POST", "/Binary", """{"resourceType":"Binary","contentType":"text/plain","data":"eA=="}""", null);
    }

    /// <summary>As NUnit cases (method, url, body, media type), named after their kind.</summary>
    public static IEnumerable<TestCaseData> Cases(Target t) =>
        For(t).Select(i => new TestCaseData(i.Method, i.Url, i.Body, i.MediaType).SetName($"{{m}}({i.Kind})"));

    /// <summary>Operations that read or write no stored data: they need an authenticated request only.</summary>
    public static bool ReadsNoStoredData(string url) => url.Contains("/$", StringComparison.Ordinal);
}
