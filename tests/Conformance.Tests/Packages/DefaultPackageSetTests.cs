using System.Diagnostics;
using FhirServer.Conformance.Packages;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Packages;

// The server's default package set, resolved from the real tarballs in /work/shared/fhir-packages into a fresh
// cache once for the fixture (unpacking r4.core alone takes a few seconds).
[NonParallelizable]
public class DefaultPackageSetTests
{

    private static readonly string[] DefaultSet =
    [
        "hl7.fhir.r4.core#4.0.1", "hl7.terminology.r4", "hl7.fhir.uv.extensions.r4", "hl7.fhir.fr.core#2.2.0", "ans.fhir.fr.annuaire",
        "ans.fhir.fr.pdsm", "ihe.iti.mhd#4.2.0", "ans.fhir.fr.eprescription", "ans.fr.terminologies",
    ];

    private TempFolder _temp = null!;
    private PackageCache _cache = null!;
    private PackageResolution _resolution = null!;

    [OneTimeSetUp]
    public async Task ResolveDefaultSet()
    {
        _temp = new TempFolder();
        _cache = new PackageCache(Path.Combine(_temp.Path, "cache"));
        var clock = Stopwatch.StartNew();
        _resolution = await new PackageResolver(_cache, [new TarballDirectorySource(TestData.PackagesFolder)]).ResolveAsync(DefaultSet.Select(PackageReference.Parse));
        TestContext.Out.WriteLine($"Cold resolution (unpack + index) of the default set: {clock.ElapsedMilliseconds} ms");
        foreach (var d in _resolution.Diagnostics) TestContext.Out.WriteLine($"  {d}");
    }

    [OneTimeTearDown]
    public void Cleanup() => _temp.Dispose();

    [Test]
    public void Every_requested_package_loads_with_its_entries()
    {
        var expected = new (string Package, int Entries)[]
        {
            ("hl7.fhir.r4.core#4.0.1", 4580), ("hl7.terminology.r4#7.0.1", 4096), ("hl7.fhir.uv.extensions.r4#5.3.0-ballot-tc1", 855),
            ("hl7.fhir.fr.core#2.2.0", 142), ("ans.fhir.fr.annuaire#1.1.0", 65), ("ans.fhir.fr.pdsm#3.1.1", 20), ("ihe.iti.mhd#4.2.0", 55),
            ("ans.fhir.fr.eprescription#1.1.0-ballot", 53), ("ans.fr.terminologies#0.0.1-subset", 90),
        };
        Assert.That(_resolution.Packages.Select(p => (p.ToString(), p.Entries.Count)), Is.EqualTo(expected));
        Assert.That(_resolution.HasErrors, Is.False, string.Join("\n", _resolution.Diagnostics));
    }

    [Test]
    public void Core_package_indexes_structure_definitions_by_url()
    {
        var core = _resolution.Find("hl7.fhir.r4.core")!;
        var patient = core.Entries.Single(e => e.Url == "http://hl7.org/fhir/StructureDefinition/Patient");
        Assert.Multiple(() =>
        {
            Assert.That(patient.ResourceType, Is.EqualTo("StructureDefinition"));
            Assert.That(patient.Kind, Is.EqualTo("resource"));
            Assert.That(patient.Type, Is.EqualTo("Patient"));
            Assert.That(core.Entries.Count(e => e.ResourceType == "StructureDefinition"), Is.GreaterThan(600));
            Assert.That(core.FhirVersions, Is.EqualTo(new[] { "4.0.1" }));
            Assert.That(core.Canonical, Is.EqualTo("http://hl7.org/fhir"));
        });
        using var stream = core.OpenFile(patient);
        using var json = System.Text.Json.JsonDocument.Parse(stream);
        Assert.That(json.RootElement.GetProperty("id").GetString(), Is.EqualTo("Patient"));
    }

    [Test]
    public void Indexes_list_only_top_level_files_that_exist()
    {
        foreach (var package in _resolution.Packages)
        {
            Assert.That(package.Entries.All(e => !e.FileName.Contains('/') && File.Exists(package.GetPath(e))), Is.True, package.ToString());
        }
        // fr.core ships example/, other/ and xml/ folders; none of their files are entries.
        var frCore = _resolution.Find("hl7.fhir.fr.core")!;
        Assert.That(Directory.GetFiles(Path.Combine(frCore.Directory, "example")), Is.Not.Empty);
        Assert.That(frCore.Entries.Any(e => e.ResourceType == "Patient" && e.FileName.StartsWith("Patient-", StringComparison.Ordinal)), Is.False);
    }

    [Test]
    public void Terminology_gets_a_built_index_saved_in_the_cache()
    {
        var terminology = _resolution.Find("hl7.terminology.r4")!;
        Assert.That(File.Exists(Path.Combine(terminology.Directory, ".index.json")), Is.True);
        Assert.That(terminology.Entries.Any(e => e.ResourceType == "CodeSystem" && e.Url == "http://terminology.hl7.org/CodeSystem/v2-0203"), Is.True);

        var reopened = new PackageCache(_cache.Root).TryOpen("hl7.terminology.r4", "7.0.1")!;
        Assert.That(reopened.IndexWasBuilt, Is.False, "the saved index is read on the next open");
        Assert.That(reopened.Entries, Is.EqualTo(terminology.Entries));
    }

    [Test]
    public void Missing_extensions_r5_is_a_warning_naming_its_dependents()
    {
        var warnings = _resolution.Diagnostics.Where(d => d.Message.Contains("hl7.fhir.extensions.r5")).ToList();
        Assert.That(warnings.Select(d => d.Severity), Is.All.EqualTo("warning"));
        Assert.That(warnings.Select(d => d.Message), Has.Some.Contains("ans.fhir.fr.annuaire#1.1.0"));
        Assert.That(warnings.Select(d => d.Message), Has.Some.Contains("ans.fhir.fr.eprescription#1.1.0-ballot"));
    }

    [Test]
    public void Requested_fr_core_2_2_0_is_kept_over_the_2_1_0_dependency()
    {
        Assert.That(_resolution.Packages.Count(p => p.Name == "hl7.fhir.fr.core"), Is.EqualTo(1));
        Assert.That(_resolution.Find("hl7.fhir.fr.core")!.Version, Is.EqualTo("2.2.0"));
        var info = _resolution.Diagnostics.Where(d => d.Message.Contains("hl7.fhir.fr.core#2.1.0")).ToList();
        Assert.That(info, Is.Not.Empty);
        Assert.That(info.Select(d => d.Severity), Is.All.EqualTo("information"));
        Assert.That(info[0].Message, Does.Contain("hl7.fhir.fr.core#2.2.0"));
        Assert.That(_cache.GetVersions("hl7.fhir.fr.core"), Is.EqualTo(new[] { "2.2.0" }), "2.1.0 was never unpacked");
    }

    [Test]
    public async Task A_dependency_on_terminology_7_1_0_uses_7_0_1_with_a_warning()
    {
        var result = await new PackageResolver(_cache, [new TarballDirectorySource(TestData.PackagesFolder)]).ResolveAsync([PackageReference.Parse("hl7.fhir.fr.core#2.2.0")]);

        Assert.That(result.Find("hl7.terminology.r4")!.Version, Is.EqualTo("7.0.1"));
        var warning = result.Diagnostics.Single(d => d.Message.Contains("hl7.terminology.r4#7.1.0"));
        Assert.That(warning.Severity, Is.EqualTo("warning"));
        Assert.That(warning.Message, Does.Contain("hl7.terminology.r4#7.0.1").And.Contain("required by hl7.fhir.fr.core#2.2.0"));
        Assert.That(result.Find("ans.fr.terminologies")!.Version, Is.EqualTo("0.0.1-subset"));
    }

    [Test]
    public async Task A_second_resolver_over_the_cache_alone_finds_everything_quickly()
    {
        foreach (var name in DefaultSet.Select(s => PackageReference.Parse(s).Name))
            Assert.That(Directory.Exists(Path.Combine(_cache.Root, $"{_resolution.Find(name)!}", "package")), Is.True, name);

        PackageResolution? warm = null;
        for (var run = 1; run <= 3; run++)
        {
            // A new cache instance each time: nothing is remembered in memory, only the files are warm.
            var clock = Stopwatch.StartNew();
            warm = await new PackageResolver(new PackageCache(_cache.Root), []).ResolveAsync(DefaultSet.Select(PackageReference.Parse));
            TestContext.Out.WriteLine($"Warm-cache resolution of the default set, run {run}: {clock.Elapsed.TotalMilliseconds:F1} ms");
        }

        Assert.That(warm!.Packages.Select(p => (p.ToString(), p.Entries.Count)), Is.EqualTo(_resolution.Packages.Select(p => (p.ToString(), p.Entries.Count))));
        Assert.That(warm.Packages.All(p => !p.IndexWasBuilt), Is.True);
    }

    [Test]
    public async Task Expansions_package_indexes_resource_files_without_extension()
    {
        var result = await new PackageResolver(_cache, [new TarballDirectorySource(TestData.PackagesFolder)]).ResolveAsync([PackageReference.Parse("hl7.fhir.r4.expansions#4.0.1")]);

        var expansions = result.Packages.Single();
        Assert.That(expansions.Entries, Has.Count.EqualTo(1106));
        Assert.That(expansions.Entries.Select(e => e.FileName), Does.Contain("ValueSet-FHIR-version").And.Contain("ValueSet-FHIR-version.json"));
        Assert.That(expansions.Entries.All(e => e.ResourceType == "ValueSet"), Is.True);
        Assert.That(expansions.Dependencies, Is.Empty);
    }
}
