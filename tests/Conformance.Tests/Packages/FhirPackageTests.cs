using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Packages;

namespace FhirServer.Conformance.Tests.Packages;

// Loading an unpacked package folder, and building .index.json when a package ships without one.
public class FhirPackageTests
{
    private TempFolder _temp = null!;
    private string _package = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();
        _package = _temp.Sub("package");
        File.WriteAllText(Path.Combine(_package, "package.json"),
            """{"name":"example.pkg","version":"1.2.0","canonical":"http://example.org","fhirVersions":["4.0.1"],"dependencies":{"hl7.fhir.r4.core":"4.0.1","other.pkg":"1.0.x"}}""");
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void Builds_and_saves_the_index_from_top_level_resources_only()
    {
        Write("StructureDefinition-a.json", TestTarballs.StructureDefinition("a"));
        // A BOM, then the interesting members after a large nested value.
        Write("CodeSystem-b.json", "\uFEFF{\"resourceType\":\"CodeSystem\",\"concept\":[{\"code\":\"x\",\"resourceType\":\"Nope\",\"url\":\"nested\"}],\"id\":\"b\",\"url\":\"http://example.org/cs\",\"supplements\":\"http://loinc.org\"}");
        // Extension-less resource files exist (hl7.fhir.r4.expansions).
        Write("ValueSet-c", "{\"resourceType\":\"ValueSet\",\"id\":\"c\",\"url\":\"http://example.org/vs\"}");
        Write("notes.txt", "not json");
        Write("array.json", "[{\"resourceType\":\"Patient\"}]");
        Write("broken.json", "{\"resourceType\":\"Patient\",");
        Write("no-type.json", "{\"id\":\"x\"}");
        Directory.CreateDirectory(Path.Combine(_package, "example"));
        File.WriteAllText(Path.Combine(_package, "example", "Patient-ex.json"), "{\"resourceType\":\"Patient\",\"id\":\"ex\"}");

        var package = FhirPackage.Load(_package);

        Assert.That(package.IndexWasBuilt, Is.True);
        Assert.That(package.Entries.Select(e => e.FileName), Is.EqualTo(new[] { "CodeSystem-b.json", "StructureDefinition-a.json", "ValueSet-c" }));
        var cs = package.Entries[0];
        Assert.Multiple(() =>
        {
            Assert.That(cs.ResourceType, Is.EqualTo("CodeSystem"));
            Assert.That(cs.Id, Is.EqualTo("b"));
            Assert.That(cs.Url, Is.EqualTo("http://example.org/cs"));
            Assert.That(cs.Supplements, Is.EqualTo("http://loinc.org"));
            Assert.That(package.Entries[1], Is.EqualTo(new PackageIndexEntry("StructureDefinition-a.json", "StructureDefinition", "a",
                "http://example.org/StructureDefinition/a", "1.0.0", "resource", "Patient")));
            Assert.That(File.Exists(Path.Combine(_package, ".index.json")), Is.True);
        });

        var reloaded = FhirPackage.Load(_package);
        Assert.That(reloaded.IndexWasBuilt, Is.False);
        Assert.That(reloaded.Entries, Is.EqualTo(package.Entries));
    }

    [Test]
    public void Reads_package_json_members()
    {
        var package = FhirPackage.Load(_package);
        Assert.Multiple(() =>
        {
            Assert.That(package.Name, Is.EqualTo("example.pkg"));
            Assert.That(package.Version, Is.EqualTo("1.2.0"));
            Assert.That(package.Canonical, Is.EqualTo("http://example.org"));
            Assert.That(package.FhirVersions, Is.EqualTo(new[] { "4.0.1" }));
            Assert.That(package.Dependencies["hl7.fhir.r4.core"], Is.EqualTo("4.0.1"));
            Assert.That(package.Dependencies["other.pkg"], Is.EqualTo("1.0.x"));
            Assert.That(package.Directory, Is.EqualTo(Path.GetFullPath(_package)));
        });
    }

    [Test]
    public void Uses_an_existing_index_without_scanning()
    {
        // The index lists a file the folder does not have: proof it is trusted rather than rebuilt.
        File.WriteAllText(Path.Combine(_package, ".index.json"),
            """{"index-version":2,"files":[{"filename":"Patient-p.json","resourceType":"Patient","id":"p","extra":{"a":[1,2]}},{"filename":"../escape.json","resourceType":"Patient"}]}""");
        var package = FhirPackage.Load(_package);
        Assert.That(package.IndexWasBuilt, Is.False);
        Assert.That(package.Entries, Is.EqualTo(new[] { new PackageIndexEntry("Patient-p.json", "Patient", "p", null, null, null, null) }));
    }

    [Test]
    public void Rebuilds_an_unreadable_index()
    {
        Write("StructureDefinition-a.json", TestTarballs.StructureDefinition("a"));
        File.WriteAllText(Path.Combine(_package, ".index.json"), "{\"files\":[{");
        var package = FhirPackage.Load(_package);
        Assert.That(package.IndexWasBuilt, Is.True);
        Assert.That(package.Entries.Single().Id, Is.EqualTo("a"));
        using var saved = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_package, ".index.json")));
        Assert.That(saved.RootElement.GetProperty("files").GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public void Reads_files_of_the_package_and_refuses_paths_outside_it()
    {
        Write("StructureDefinition-a.json", TestTarballs.StructureDefinition("a"));
        var package = FhirPackage.Load(_package);
        var entry = package.Entries.Single();
        Assert.That(Encoding.UTF8.GetString(package.ReadFile(entry)), Does.Contain("\"id\":\"a\""));
        using (var stream = package.OpenFile(entry))
            Assert.That(JsonDocument.Parse(stream).RootElement.GetProperty("resourceType").GetString(), Is.EqualTo("StructureDefinition"));
        Assert.Throws<ArgumentException>(() => package.ReadFile(entry with { FileName = "../package.json" }));
    }

    [Test]
    public void A_folder_without_package_json_is_not_a_package()
    {
        File.Delete(Path.Combine(_package, "package.json"));
        Assert.Throws<InvalidDataException>(() => FhirPackage.Load(_package));
    }

    private void Write(string name, string content) => File.WriteAllText(Path.Combine(_package, name), content, new UTF8Encoding(false));
}
