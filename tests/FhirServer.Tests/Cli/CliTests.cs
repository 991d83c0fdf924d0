using System.Text.Json;
using FhirServer.Cli;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Tests.Cli;

/// <summary>The verbs run in-process with the test package set (environment variables configure them like the server).</summary>
[NonParallelizable]
public class CliTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateFolder()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fhirserver-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        Environment.SetEnvironmentVariable("FhirPackages__Cache", TestData.CacheFolder);
        Environment.SetEnvironmentVariable("FhirPackages__SourceList", TestData.PackagesFolder);
        Environment.SetEnvironmentVariable("FhirPackages__Registry", "");
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Exit, string Out, string Err)> Run(params string[] args) => Capture(() => CliApp.RunAsync(args));

    private static Task<(int Exit, string Out, string Err)> RunBench(params string[] args) => Capture(() => BenchApp.RunAsync(args));

    /// <summary>Runs a verb in-process with the console captured: its exit code and what it printed on each stream.</summary>
    internal static async Task<(int Exit, string Out, string Err)> Capture(Func<Task<int>> run)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var exit = await run();
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    [Test]
    public async Task Convert_json_to_xml_and_back_gives_the_same_resource()
    {
        var source = Path.Combine(TestData.ExamplesFolder, "r4-spec", "json", "Patient-example.json");
        var xml = Path.Combine(_dir, "patient.xml");
        var json = Path.Combine(_dir, "patient.json");
        Assert.That((await Run("convert", source, xml)).Exit, Is.EqualTo(0));
        Assert.That(File.ReadAllText(xml), Does.Contain("<Patient xmlns=\"http://hl7.org/fhir\">"));
        Assert.That((await Run("convert", xml, json)).Exit, Is.EqualTo(0));
        using var a = JsonDocument.Parse(File.ReadAllBytes(source));
        using var b = JsonDocument.Parse(File.ReadAllBytes(json));
        Assert.That(JsonElement.DeepEquals(a.RootElement, b.RootElement) || SameIgnoringOrder(a, b), Is.True);
    }

    [Test]
    public async Task Convert_refuses_invalid_input_with_its_issues()
    {
        var bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(bad, """{"resourceType":"Patient","birthDate":"25/12/1974"}""");
        var (exit, _, err) = await Run("convert", bad, Path.Combine(_dir, "out.xml"));
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("Patient.birthDate").And.Contain("not a valid date"));
        Assert.That(File.Exists(Path.Combine(_dir, "out.xml")), Is.False);
    }

    [Test]
    public async Task Roundtrip_counts_identical_files_and_lists_the_others()
    {
        File.Copy(Path.Combine(TestData.ExamplesFolder, "r4-spec", "json", "Patient-example.json"), Path.Combine(_dir, "ok.json"));
        File.WriteAllText(Path.Combine(_dir, "bad.json"), """{"resourceType":"Patient","famly":"X"}""");
        var (exit, stdout, _) = await Run("roundtrip", _dir);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stdout, Does.Contain("round-trip 1/2 identical"));
        Assert.That(stdout, Does.Contain("bad.json: not read").And.Contain("famly"));
    }

    [Test]
    public async Task Fhirpath_prints_typed_items_with_primitives_as_text_and_complex_values_as_json()
    {
        var source = Path.Combine(TestData.ExamplesFolder, "r4-spec", "json", "Patient-example.json");
        var (exit, stdout, _) = await Run("fhirpath", "name.where(use='official').given | birthDate | Patient.name[0] | 1.10 | 5 'mg'", source);
        Assert.That(exit, Is.EqualTo(0));
        using var result = JsonDocument.Parse(stdout);
        var items = result.RootElement.EnumerateArray().Select(i => (i.GetProperty("type").GetString(), i.GetProperty("value"))).ToList();
        Assert.That(items.Select(i => i.Item1), Is.EqualTo(new[] { "string", "string", "date", "HumanName", "decimal", "Quantity" }));
        Assert.That(items[0].Item2.GetString(), Is.EqualTo("Peter"));
        Assert.That(items[2].Item2.GetString(), Is.EqualTo("1974-12-25"));
        Assert.That(items[3].Item2.GetProperty("family").GetString(), Is.EqualTo("Chalmers"));
        Assert.That(items[4].Item2.GetString(), Is.EqualTo("1.10"));
        Assert.That(items[5].Item2.GetString(), Is.EqualTo("5 'mg'"));
    }

    [Test]
    public async Task Fhirpath_answers_memberOf_from_the_packages_value_sets()
    {
        var source = Path.Combine(TestData.ExamplesFolder, "r4-spec", "json", "Patient-example.json");
        var (exit, stdout, _) = await Run("fhirpath", "gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')", source);
        Assert.That(exit, Is.EqualTo(0));
        using var result = JsonDocument.Parse(stdout);
        Assert.That(result.RootElement.EnumerateArray().Select(i => i.GetProperty("value").GetString()), Is.EqualTo(new[] { "true" }));
    }

    [TestCase("1 +", "syntax")]
    [TestCase("Patient.name.nosuchfunction()", "nosuchfunction")]
    [TestCase("(1 | 2).single()", "")]
    public async Task Fhirpath_exits_non_zero_with_a_message_on_errors(string expression, string mentioned)
    {
        var (exit, stdout, err) = await Run("fhirpath", expression);
        Assert.That(exit, Is.Not.EqualTo(0));
        Assert.That(stdout, Is.Empty);
        Assert.That(err, Does.Contain("fhirpath: ").And.Contain(mentioned));
    }

    [Test]
    public async Task Fhirpath_without_a_file_evaluates_against_an_empty_input()
    {
        var (exit, stdout, _) = await Run("fhirpath", "today() > @2020-01-01 and {}.empty()");
        Assert.That(exit, Is.EqualTo(0));
        using var result = JsonDocument.Parse(stdout);
        Assert.That(result.RootElement.GetArrayLength(), Is.EqualTo(1));
        Assert.That(result.RootElement[0].GetProperty("type").GetString(), Is.EqualTo("boolean"));
        Assert.That(result.RootElement[0].GetProperty("value").GetString(), Is.EqualTo("true"));
    }

    [Test]
    public async Task Bench_fhirpath_without_the_peer_shows_our_figures_and_says_why()
    {
        var examples = Directory.CreateDirectory(Path.Combine(_dir, "examples")).FullName;
        foreach (var name in new[] { "Patient-example.json", "Observation-example.json" })
            File.Copy(Path.Combine(TestData.ExamplesFolder, "r4-spec", "json", name), Path.Combine(examples, name));
        var (exit, stdout, _) = await RunBench("fhirpath", "--count", "20", "--rounds", "1", "--warmup", "0",
            "--examples", examples, "--peer", _dir);
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(stdout, Does.Contain("Patient.name.given").And.Contain("birthDate < @1960-01-01 and gender='female'")
            .And.Contain("R4 core SearchParameters on 2 examples"));
        Assert.That(stdout, Does.Contain("fhirpath.js: not run").And.Contain("not installed in " + _dir));
    }

    [Test]
    public async Task Fhirpath_reads_an_expression_that_starts_with_an_at_sign_as_an_expression()
    {
        // '@' would otherwise name a response file of arguments.
        var (exit, stdout, err) = await Run("fhirpath", "@2015-02-04.is(Date)");
        Assert.That(exit, Is.EqualTo(0), err);
        using var result = JsonDocument.Parse(stdout);
        Assert.That(result.RootElement[0].GetProperty("value").GetString(), Is.EqualTo("true"));
    }

    [Test]
    public async Task Package_warnings_of_a_verb_are_printed_only_with_verbose()
    {
        // A requested package that is nowhere: a warning, and the verb still answers.
        string[] args = ["fhirpath", "1 + 1", "--packages", "hl7.fhir.r4.core#4.0.1,no.such.package#1.0.0"];
        var (exit, stdout, err) = await Run(args);
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(err, Is.Empty);
        Assert.That(JsonDocument.Parse(stdout).RootElement[0].GetProperty("value").GetString(), Is.EqualTo("2"));
        (exit, stdout, err) = await Run([.. args, "--verbose"]);
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(err, Does.Contain("no.such.package#1.0.0").And.Contain("not found"));
        Assert.That(JsonDocument.Parse(stdout).RootElement[0].GetProperty("value").GetString(), Is.EqualTo("2"));
    }

    [Test]
    public async Task Help_lists_the_server_switches_and_the_verbs()
    {
        var (exit, stdout, _) = await Run("--help");
        Assert.That(exit, Is.EqualTo(0));
        foreach (var name in new[] { "--urls", "--store", "--data", "--connection", "--packages", "--package-sources", "--package-cache",
                     "--registry", "--max-request-bytes", "--cors-origins", "--log-format", "--request-log",
                     "convert", "roundtrip", "fhirpath", "reindex" })
            Assert.That(stdout, Does.Contain(name));
        Assert.That(stdout, Does.Not.Contain("bench"));
    }

    [Test]
    public async Task The_benchmarks_are_not_verbs_of_the_server()
    {
        Assert.That(CliApp.IsVerb(["bench"]), Is.False);
        var (exit, _, _) = await Run("bench", "startup");
        Assert.That(exit, Is.Not.EqualTo(0));
    }

    [Test]
    public async Task Bench_startup_takes_the_package_switches_and_says_when_it_is_a_debug_build()
    {
        Environment.SetEnvironmentVariable("FhirPackages__Cache", null);
        Environment.SetEnvironmentVariable("FhirPackages__SourceList", null);
        var (exit, stdout, err) = await RunBench("startup", "--package-cache", TestData.CacheFolder, "--package-sources", TestData.PackagesFolder,
            "--registry", "", "--packages", "hl7.fhir.r4.core#4.0.1");
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain("packages loaded: 1 (hl7.fhir.r4.core#4.0.1)"));
#if DEBUG
        Assert.That(stdout, Does.StartWith("DEBUG BUILD"));
#else
        Assert.That(stdout, Does.Not.Contain("DEBUG BUILD"));
#endif
    }

    [Test]
    public void Synthetic_patients_are_those_of_the_peers_generator()
    {
        // Lines 1, 2 and 10,000 of `node gen-patients.js 10000 patients.ndjson` (../shared/peers).
        var file = Path.Combine(_dir, "patients.ndjson");
        SyntheticPatients.WriteNdjson(10_000, file);
        var lines = File.ReadAllLines(file);
        Assert.That(lines, Has.Length.EqualTo(10_000));
        Assert.That(lines[0], Is.EqualTo("""{"resourceType":"Patient","active":false,"identifier":[{"system":"http://example.org/mrn","value":"MRN0"}],"name":[{"use":"official","family":"Smithx0","given":["James","James"]}],"gender":"male","birthDate":"1982-01-01","address":[{"city":"City0","postalCode":"10000","country":"US"}],"telecom":[{"system":"phone","value":"555-00000"}]}"""));
        Assert.That(lines[1], Is.EqualTo("""{"resourceType":"Patient","active":true,"identifier":[{"system":"http://example.org/mrn","value":"MRN1"}],"name":[{"use":"official","family":"Johnson","given":["Mary","Linda"]}],"gender":"female","birthDate":"1976-02-02","address":[{"city":"City1","postalCode":"10001","country":"US"}],"telecom":[{"system":"phone","value":"555-00001"}]}"""));
        Assert.That(lines[9_999], Is.EqualTo("""{"resourceType":"Patient","active":true,"identifier":[{"system":"http://example.org/mrn","value":"MRN9999"}],"name":[{"use":"official","family":"Martin","given":["Patricia","Elizabeth"]}],"gender":"female","birthDate":"1951-04-04","address":[{"city":"City49","postalCode":"10099","country":"US"}],"telecom":[{"system":"phone","value":"555-09999"}]}"""));
    }

    [Test]
    public async Task Validate_prints_the_outcome_and_exits_0_valid_or_not()
    {
        var good = Path.Combine(_dir, "good.json");
        var bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(good, Http.ValidationFixtures.FrCorePatient());
        File.WriteAllText(bad, Http.ValidationFixtures.FrCorePatient(goodKey: false));

        var (exit, stdout, err) = await Run("validate", good);
        Assert.That(exit, Is.EqualTo(0), err);
        using (var outcome = JsonDocument.Parse(stdout))
            Assert.That(Http.ValidationFixtures.Errors(outcome.RootElement), Is.Empty, stdout);

        (exit, stdout, err) = await Run("validate", bad);
        Assert.That(exit, Is.EqualTo(0), err);
        using (var outcome = JsonDocument.Parse(stdout))
            Assert.That(Http.ValidationFixtures.Errors(outcome.RootElement).Select(Http.ValidationFixtures.Expression), Is.EqualTo(new[] { "Patient.identifier[0].value" }));
    }

    [Test]
    public async Task Validate_loads_profiles_and_takes_a_profile_by_url_or_file()
    {
        var profile = Path.Combine(_dir, "profile.json");
        var patient = Path.Combine(_dir, "patient.json");
        File.WriteAllText(profile, Http.ValidationFixtures.BirthDateProfile());
        File.WriteAllText(patient, """{"resourceType":"Patient","active":true}""");

        foreach (var args in new[] { new[] { "--load", profile, "--profile", Http.ValidationFixtures.BirthDateProfileUrl }, ["--profile", profile] })
        {
            var (exit, stdout, err) = await Run(["validate", patient, .. args]);
            Assert.That(exit, Is.EqualTo(0), err);
            using var outcome = JsonDocument.Parse(stdout);
            Assert.That(Http.ValidationFixtures.Errors(outcome.RootElement).Select(Http.ValidationFixtures.Text), Has.Some.Contains("Patient.birthDate: minimum required = 1"), stdout);
        }

        // An unknown profile url is an issue of the outcome, not a failure to run.
        var (code, output, _) = await Run("validate", patient, "--profile", "http://example.org/no-such-profile");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("has not been checked because it is unknown"));
    }

    [Test]
    public async Task Validate_exits_2_when_it_cannot_run()
    {
        var patient = Path.Combine(_dir, "patient.json");
        File.WriteAllText(patient, """{"resourceType":"Patient","active":true}""");
        File.WriteAllText(Path.Combine(_dir, "broken.json"), "{");
        string[][] cases =
        [
            ["validate", Path.Combine(_dir, "missing.json")],
            ["validate", patient, "--load", Path.Combine(_dir, "missing.json")],
            ["validate", patient, "--load", Path.Combine(_dir, "broken.json")],
            ["validate", patient, "--load", patient],
            ["validate", patient, "--package", "not a package"],
            ["validate", patient, "--package", "example.no.such.package#1.0.0"],
        ];
        foreach (var args in cases)
        {
            var (exit, stdout, err) = await Run(args);
            Assert.That(exit, Is.EqualTo(2), $"{string.Join(' ', args)}: {stdout}{err}");
            Assert.That(err, Does.Contain("validate: "));
        }
    }

    private static bool SameIgnoringOrder(JsonDocument a, JsonDocument b) =>
        FhirServer.Conformance.Serialization.JsonValueComparer.Differences(
            System.Text.Encoding.UTF8.GetBytes(a.RootElement.GetRawText()), System.Text.Encoding.UTF8.GetBytes(b.RootElement.GetRawText())).Count == 0;
}
