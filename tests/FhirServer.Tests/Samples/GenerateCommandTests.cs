using FhirServer.Cli;
using FhirServer.Samples;

namespace FhirServer.Tests.Samples;

/// <summary>The <c>generate</c> verb: the same seed gives the same bytes; counts follow the number of patients.</summary>
[NonParallelizable]
public class GenerateCommandTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("fhirserver-generate-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Exit, string Out, string Err)> Run(params string[] args) => Tests.Cli.CliRun.Capture(() => CliApp.RunAsync(args));

    private async Task<string> Generate(string name, params string[] args)
    {
        var folder = Path.Combine(_dir, name);
        var (exit, stdout, stderr) = await Run(["generate", "--out", folder, .. args]);
        Assert.That(exit, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.StartWith("wrote ").And.Contain("resources/s"));
        return folder;
    }

    private static Dictionary<string, byte[]> Files(string folder) =>
        Directory.EnumerateFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    [TestCase("bundles")]
    [TestCase("ndjson")]
    public async Task The_same_seed_gives_the_same_bytes_and_another_seed_other_data(string format)
    {
        var a = Files(await Generate("a", "--patients", "12", "--seed", "42", "--format", format));
        var b = Files(await Generate("b", "--patients", "12", "--seed", "42", "--format", format));
        var c = Files(await Generate("c", "--patients", "12", "--seed", "43", "--format", format));
        Assert.That(b.Keys, Is.EquivalentTo(a.Keys));
        foreach (var (name, bytes) in a) Assert.That(b[name], Is.EqualTo(bytes), name);
        Assert.That(c["sample.env"], Is.Not.EqualTo(a["sample.env"]));
        Assert.That(a.Where(f => f.Key != "sample.env").Any(f => c.TryGetValue(f.Key, out var other) && !other.SequenceEqual(f.Value)), Is.True);
    }

    [TestCase(0)]
    [TestCase(7)]
    [TestCase(60)]
    public async Task NDJSON_counts_follow_the_number_of_patients(int patients)
    {
        var folder = await Generate("out", "--patients", $"{patients}", "--seed", "3", "--format", "ndjson");
        var practitioners = Math.Max(5, patients / 5);
        var expected = new Dictionary<string, int>
        {
            ["Organization"] = Math.Max(5, practitioners / 10), ["Practitioner"] = practitioners, ["PractitionerRole"] = practitioners,
            ["Patient"] = patients, ["Medication"] = 2 * patients, ["MedicationRequest"] = 2 * patients, ["MedicationDispense"] = patients,
            ["Immunization"] = 2 * patients, ["List"] = patients, ["DocumentReference"] = 2 * patients, ["Binary"] = 2 * patients,
        };
        foreach (var (type, count) in expected)
        {
            var file = Path.Combine(folder, type + ".ndjson");
            Assert.That(File.Exists(file) ? File.ReadLines(file).Count() : 0, Is.EqualTo(count), type);
        }
        Assert.That(SampleOptions.ResourcesPerPatient, Is.EqualTo(13));
    }

    [Test]
    public async Task Bundles_keep_to_their_size_and_each_submission_is_one_ITI65_bundle()
    {
        var folder = await Generate("out", "--patients", "30", "--seed", "3", "--bundle-size", "20", "--practitioners", "12", "--organizations", "6");
        var names = Directory.EnumerateFiles(folder, "*.json").Select(Path.GetFileName).Order().ToList();
        Assert.That(names.Count(n => n!.StartsWith("3-dmp-")), Is.EqualTo(30));
        // Two patients' 8 resources fill a Bundle of 20; the submissions, in files of their own, do not cut it short.
        Assert.That(names.Count(n => n!.StartsWith("2-patients-")), Is.EqualTo(15));
        var entries = 0;
        foreach (var name in names.Where(n => n!.StartsWith("1-") || n!.StartsWith("2-")))
        {
            using var bundle = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, name!)));
            var count = bundle.RootElement.GetProperty("entry").GetArrayLength();
            Assert.That(count, Is.InRange(1, 20), name);
            Assert.That(bundle.RootElement.GetProperty("type").GetString(), Is.EqualTo("transaction"));
            entries += count;
        }
        Assert.That(entries, Is.EqualTo(6 + 12 + 12 + 30 * 8), "directory, then a patient's 8 resources");
    }

    [Test]
    public async Task A_folder_with_files_is_refused_unless_forced()
    {
        var folder = await Generate("out", "--patients", "1");
        var (exit, _, stderr) = await Run("generate", "--out", folder, "--patients", "1");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("is not empty"));
        await Generate("out", "--patients", "1", "--force");
    }

    [TestCase("--practitioners", "4", "--practitioners goes from 5")]
    [TestCase("--organizations", "2", "--organizations goes from 5")]
    [TestCase("--bundle-size", "3", "--bundle-size is at least 8")]
    public async Task Options_out_of_range_are_refused_with_their_range(string option, string value, string message)
    {
        var (exit, _, stderr) = await Run("generate", "--out", Path.Combine(_dir, "x"), option, value);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain(message));
    }
}
