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

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var exit = await CliApp.RunAsync(args);
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

    private static bool SameIgnoringOrder(JsonDocument a, JsonDocument b) =>
        FhirServer.Conformance.Serialization.JsonValueComparer.Differences(
            System.Text.Encoding.UTF8.GetBytes(a.RootElement.GetRawText()), System.Text.Encoding.UTF8.GetBytes(b.RootElement.GetRawText())).Count == 0;
}
