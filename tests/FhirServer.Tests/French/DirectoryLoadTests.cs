using System.Net;
using System.Text.Json;
using FhirServer.Cli;
using FhirServer.Tests.Cli;
using FhirServer.Conformance.Tests.Support;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.French;

/// <summary>
/// The health-professional directory end to end on each store: an Annuaire-shaped NDJSON extract and the Annuaire
/// guide's examples loaded with the <c>load</c> verb (malformed lines reported by file and line, the rest loaded;
/// a rerun resumes from the checkpoint), then the directory's searches on a server process over the same store.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
[NonParallelizable]
public class DirectoryLoadTests(string store)
{
    private const int Practitioners = 40;
    private ProcessStore _store = null!;
    private ServerProcess _server = null!;
    private HttpClient _client = null!;
    private string _dir = null!;
    private string[] _files = null!;
    private (int Exit, string Out, string Err) _firstLoad, _examplesLoad;

    // Line numbers of the bad lines appended to practitioners.ndjson.
    private static readonly int NotJsonLine = Practitioners + 1, InvalidLine = Practitioners + 2;

    [OneTimeSetUp]
    public async Task LoadAndStart()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fhirserver-directory-" + Guid.NewGuid().ToString("N"));
        Environment.SetEnvironmentVariable("FhirPackages__Cache", TestData.CacheFolder);
        Environment.SetEnvironmentVariable("FhirPackages__SourceList", TestData.PackagesFolder);
        Environment.SetEnvironmentVariable("FhirPackages__Registry", "");
        _files = DirectoryExtract.Write(Path.Combine(_dir, "extract"), Practitioners,
            ["{\"resourceType\":\"Practitioner\",\"id\":\"broken\",", """{"resourceType":"Practitioner","id":"bad-gender","gender":"sometimes"}"""]);
        _store = new ProcessStore(store, "directory");
        _firstLoad = await Load(_files[0], _files[1], _files[2]);
        // The guide's examples carry RPPS and FINESS numbers whose Luhn keys are wrong and commune codes of a terminology
        // the packages lack (docs/french-flows.md): loaded without validation, for the searches on them.
        _examplesLoad = await Load(Path.Combine(TestData.ExamplesFolder, "ans.fhir.fr.annuaire"), "--Validation:OnWrite=off");
        _server = await ServerProcess.StartAsync(_store.Arguments);
        _client = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        _store.Dispose();
        TempFolder.Delete(_dir);
    }

    private Task<(int Exit, string Out, string Err)> Load(params string[] args) =>
        CliRun.Capture(() => CliApp.RunAsync(["load", .. args, "--checkpoint", Path.Combine(_dir, "load.checkpoint"), .. _store.Arguments]));

    private async Task<List<string>> Ids(string url)
    {
        using var response = await _client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        using var bundle = JsonDocument.Parse(text);
        return bundle.RootElement.TryGetProperty("entry", out var entries)
            ? [.. entries.EnumerateArray().Where(e => e.GetProperty("search").GetProperty("mode").GetString() == "match").Select(e => e.GetProperty("resource").GetProperty("id").GetString()!).Order()]
            : [];
    }

    [Test]
    public void The_load_reports_the_bad_lines_and_loads_the_rest()
    {
        var (exit, stdout, stderr) = _firstLoad;
        Assert.That(exit, Is.EqualTo(0), stderr);
        // Every generated resource but the two bad lines.
        var expected = (Practitioners + 1) / 2 * 2 + Practitioners * 2;
        Assert.That(stdout, Does.Contain($"load: {expected:N0} resources").And.Contain("2 refused").And.Contain("resources/s"), stderr);
        Assert.That(stderr, Does.Contain($"practitioners.ndjson:{NotJsonLine}: ").And.Contain("Invalid JSON"));
        Assert.That(stderr, Does.Contain($"practitioners.ndjson:{InvalidLine}: error").And.Contain("sometimes"));
        var examples = Directory.GetFiles(Path.Combine(TestData.ExamplesFolder, "ans.fhir.fr.annuaire"), "*.json").Length;
        Assert.That(_examplesLoad.Out, Does.Contain($"load: {examples:N0} resources").And.Contain("0 refused"), _examplesLoad.Err);
    }

    [Test]
    public async Task A_rerun_resumes_after_the_checkpoint_and_a_restart_writes_the_same_resources_again()
    {
        var (exit, stdout, stderr) = await Load(_files[2]);
        Assert.That(exit, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("load: 0 resources").And.Contain($"{Practitioners:N0} lines skipped"));

        // As if the load had stopped after the first 30 roles.
        File.WriteAllText(Path.Combine(_dir, "load.checkpoint"), $"{_files[2]}\t30\n");
        (exit, stdout, stderr) = await Load(_files[2]);
        Assert.That(stdout, Does.Contain($"load: {Practitioners - 30:N0} resources").And.Contain("30 lines skipped"), stderr);

        (exit, stdout, stderr) = await Load(_files[2], "--restart");
        Assert.That(stdout, Does.Contain($"load: {Practitioners:N0} resources"), stderr);
        Assert.That(await Ids("/PractitionerRole?_count=1000"), Has.Count.EqualTo(Practitioners + 6),
            "PUT by id: loading again adds versions, not resources (the guide's 6 roles beside the extract's)");
    }

    [Test]
    public async Task Practitioners_are_found_by_IdNatPS_and_RPPS()
    {
        var rpps = DirectoryExtract.RppsOf(7);
        Assert.That(await Ids($"/Practitioner?identifier={Uri.EscapeDataString(DirectoryExtract.IdNatPs + "|8" + rpps)}"), Is.EqualTo(new[] { "pract-7" }));
        Assert.That(await Ids($"/Practitioner?identifier={Uri.EscapeDataString(DirectoryExtract.Rpps + "|" + rpps)}"), Is.EqualTo(new[] { "pract-7" }));
        Assert.That(await Ids($"/Practitioner?identifier={Uri.EscapeDataString(DirectoryExtract.Rpps + "|10003461033")}"), Is.EqualTo(new[] { "334081", "334081DP" }),
            "the guide's examples");
    }

    [Test]
    public async Task Organizations_are_found_by_FINESS_SIRET_and_address()
    {
        Assert.That(await Ids($"/Organization?identifier={Uri.EscapeDataString(DirectoryExtract.Finess + "|" + DirectoryExtract.FinessOf(3))}"), Is.EqualTo(new[] { "org-3" }));
        Assert.That(await Ids($"/Organization?identifier={Uri.EscapeDataString(DirectoryExtract.Siret + "|" + DirectoryExtract.SiretOf(4))}"), Is.EqualTo(new[] { "org-4" }));
        var stEtienne = Enumerable.Range(0, (Practitioners + 1) / 2).Where(i => i % 4 == 0).Select(i => $"org-{i}").Order().ToList();
        Assert.That(await Ids("/Organization?address-city=saint-etienne&_count=100"), Is.EqualTo(stEtienne));
        Assert.That(await Ids($"/Organization?address-city={Uri.EscapeDataString("SAINT-ÉTIENNE")}&_count=100"), Is.EqualTo(stEtienne));
        Assert.That(await Ids("/Organization?address-postalcode=42000&_count=100"), Is.EqualTo(stEtienne));
    }

    [Test]
    public async Task Names_match_with_accents_and_case_folded_both_ways()
    {
        var helene = Enumerable.Range(0, Practitioners).Where(i => i % 6 == 0).Select(i => $"pract-{i}").Order().ToList();
        foreach (var name in new[] { "Hélène", "HELENE", "helene", "HÉLÈNE" })
            Assert.That(await Ids($"/Practitioner?name={Uri.EscapeDataString(name)}&_count=100"), Is.EqualTo(helene), name);
        var jerome = Enumerable.Range(0, Practitioners).Where(i => i % 6 == 1).Select(i => $"pract-{i}").Order().ToList();
        Assert.That(await Ids("/Practitioner?given=jerome&_count=100"), Is.EqualTo(jerome), "JÉRÔME stored in capitals");
        Assert.That(await Ids($"/Practitioner?family={Uri.EscapeDataString("château")}&_count=100"), Is.EqualTo(jerome));
    }

    [Test]
    public async Task Roles_are_found_by_specialty_and_by_practitioner_and_organization_identifiers()
    {
        var sm54 = Enumerable.Range(0, Practitioners).Where(i => i % 4 == 1).Select(i => $"role-{i}").Order().ToList();
        Assert.That(await Ids($"/PractitionerRole?specialty={Uri.EscapeDataString(DirectoryExtract.Specialty + "|SM54")}&_count=100"), Is.EqualTo(sm54));
        Assert.That(await Ids("/PractitionerRole?specialty=SM54&_count=100"), Is.EqualTo(sm54));
        var practitioner = Uri.EscapeDataString(DirectoryExtract.IdNatPs + "|8" + DirectoryExtract.RppsOf(9));
        var organization = Uri.EscapeDataString(DirectoryExtract.Finess + "|" + DirectoryExtract.FinessOf(4));
        Assert.That(await Ids($"/PractitionerRole?practitioner.identifier={practitioner}&organization.identifier={organization}"), Is.EqualTo(new[] { "role-9" }));
        var other = Uri.EscapeDataString(DirectoryExtract.Finess + "|" + DirectoryExtract.FinessOf(5));
        Assert.That(await Ids($"/PractitionerRole?practitioner.identifier={practitioner}&organization.identifier={other}"), Is.Empty);
        Assert.That(await Ids($"/PractitionerRole?organization.identifier={organization}"), Is.EqualTo(new[] { "role-8", "role-9" }));
        // The guide's own: the role of Practitioner 334081 at Organization 158480.
        Assert.That(await Ids($"/PractitionerRole?practitioner.identifier={Uri.EscapeDataString(DirectoryExtract.Rpps + "|10003461033")}" +
                              $"&organization.identifier={Uri.EscapeDataString(DirectoryExtract.Finess + "|754567860")}"), Does.Contain("1578230"));
    }

    [Test]
    public async Task Healthcare_services_are_found_by_organization_and_type()
    {
        var organization = Uri.EscapeDataString(DirectoryExtract.Finess + "|" + DirectoryExtract.FinessOf(6));
        Assert.That(await Ids($"/HealthcareService?organization.identifier={organization}"), Is.EqualTo(new[] { "service-6" }));
        var consult1 = Enumerable.Range(0, (Practitioners + 1) / 2).Where(i => i % 3 == 1).Select(i => $"service-{i}").Order().ToList();
        Assert.That(await Ids("/HealthcareService?service-type=urn:test:service-type|consult-1&_count=100"), Is.EqualTo(consult1));
        Assert.That(await Ids("/HealthcareService?organization=Organization/org-2"), Is.EqualTo(new[] { "service-2" }));
    }
}
